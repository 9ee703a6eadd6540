"""Configuration: defaults, the environment, and validation at start-up.

Every setting is an environment variable listed in README.md and .env.example. An invalid
value stops start-up with a clear message (ConfigError), never later at the first message.
"""
import os
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

SECRET_KEY_CHARS = 32            # BOT_SECRET_KEY at least, in production
# values that are not secrets: defaults, placeholders, samples from documentation (lower case)
WEAK_SECRET_WORDS = ("dev-only-secret", "changeme", "change-me", "change_me", "changethis", "secret-key",
                     "secretkey", "your-secret", "yoursecret", "replace-me", "replaceme", "example",
                     "password", "passw0rd", "12345678", "qwerty", "default", "placeholder", "todo")
# the WeCom documentation's sample callback settings (shared/protocols/wecom.md §2.5): public knowledge
WECOM_SAMPLE_TOKENS = ("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "QDG6eK")
WECOM_SAMPLE_AES_KEYS = ("6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")


def _default_db_url():
    return f"sqlite:///{ROOT / 'instance' / 'bot.db'}"


@dataclass
class Config:
    """All settings of one deployment. Build with ``Config.from_env()``."""

    env: str = "development"                 # BOT_ENV: development | production | test
    database_url: str = field(default_factory=_default_db_url)   # DATABASE_URL
    port: int = 8000                         # PORT
    public_url: str = ""                     # BOT_PUBLIC_URL: base for download links
    try_enabled: bool = True                 # BOT_TRY_ENABLED
    secret_key: str = "dev-only-secret"      # BOT_SECRET_KEY: signs download links
    link_ttl_hours: int = 72                 # BOT_LINK_TTL_HOURS: how long a download link opens its file
    audit_retention_days: int = 1095         # BOT_AUDIT_RETENTION_DAYS: audit rows kept at least this long (≥ 180)
    log_level: str = "INFO"                  # BOT_LOG_LEVEL
    files_dir: str = str(ROOT / "instance" / "files")   # BOT_FILES_DIR
    max_body_bytes: int = 256 * 1024         # BOT_MAX_BODY_BYTES
    try_upload_bytes: int = 10 * 1024 * 1024  # BOT_TRY_UPLOAD_BYTES: a file sent on the /try page at most
    proofs_required: bool = False            # BOT_PROOFS_REQUIRED: 提交 refused while a starred item lacks proof
    soffice: str = "soffice"                 # BOT_SOFFICE: LibreOffice for the PDF package
    timezone: str = "Asia/Shanghai"          # BOT_TIMEZONE
    # the organisation (names are configuration, not code)
    org_name: str = "中国交建"                # BOT_ORG_NAME
    union_name: str = "中国交建工会联合会"      # BOT_UNION_NAME
    # the yearly cycle
    deadline: str = "05-31"                  # BOT_DEADLINE (MM-DD)
    review_period: str = "06-01..08-31"      # BOT_REVIEW_PERIOD
    naming_from: str = "07-01"               # BOT_NAMING_FROM (second half year)
    notice_hour: str = "09:00"               # BOT_NOTICE_TIME
    countdown_days: str = "30,14,7,3,1"      # BOT_COUNTDOWN_DAYS
    remind_after_working_days: int = 3       # BOT_REMIND_AFTER_DAYS
    grant_wan: str = "5"                     # BOT_NAMING_GRANT_WAN
    naming_quota: int = 10                   # BOT_NAMING_QUOTA: studios named per year at most (每年10个)
    # the office's year: 公示, certificates, 整改
    publicity_working_days: int = 5          # BOT_PUBLICITY_WORKING_DAYS: a 公示 lasts this many working days
    certificate_pattern: str = "{prefix}〔{year}〕{seq:03d}号"   # BOT_CERTIFICATE_PATTERN: numbers issued
    certificate_prefix: str = "中交工创证"     # BOT_CERTIFICATE_PREFIX: a certificate's {prefix}
    naming_doc_prefix: str = "中交工联字"      # BOT_NAMING_DOC_PREFIX: the 命名文件's {prefix}
    rectify_working_days: int = 20           # BOT_RECTIFY_WORKING_DAYS: a 限期整改's default deadline
    rectify_remind_working_days: int = 5     # BOT_RECTIFY_REMIND_DAYS: the reminder, before the deadline
    dev_today: str = ""                      # BOT_DEV_TODAY: development only, the decision clock moved to this day
    # the 七有 standards where the 意见 gives no number (「相对合理」): below them 待核实, not ✗
    team_min_specialties: int = 2            # BOT_TEAM_MIN_SPECIALTIES: different 主要分工 among core members
    team_min_degree: int = 1                 # BOT_TEAM_MIN_DEGREE: leader and core members with 大学本科 or above
    team_age_span: int = 10                  # BOT_TEAM_AGE_SPAN: years between the oldest and the youngest
    team_young_age: int = 35                 # BOT_TEAM_YOUNG_AGE: someone this old or younger (0: not asked)
    venue_min_area: int = 20                 # BOT_VENUE_MIN_AREA: m² (「一般不少于20平方米」)
    # the office's console (/console)
    console_idle_minutes: int = 30           # BOT_CONSOLE_IDLE_MINUTES: a console session ends after this long idle
    console_session_hours: int = 8           # BOT_CONSOLE_SESSION_HOURS: … and after this long in all
    console_lock_failures: int = 5           # BOT_CONSOLE_LOCK_FAILURES: failed administrator sign-ins before a lock
    console_lock_minutes: int = 15           # BOT_CONSOLE_LOCK_MINUTES: how long the account and address stay locked
    trusted_proxies: int = 0                 # BOT_TRUSTED_PROXIES: reverse proxies whose X-Forwarded-For is believed
    console_page_size: int = 50              # BOT_CONSOLE_PAGE_SIZE: rows per page in the console's lists
    console_upload_bytes: int = 20 * 1024 * 1024   # BOT_CONSOLE_UPLOAD_BYTES: a console form with files at most
    # delivery
    delivery_interval: float = 0.25          # BOT_DELIVERY_INTERVAL (seconds between outbox and task polls)
    delivery_retry_hours: int = 24           # BOT_DELIVERY_RETRY_HOURS: a transient failure is retried this long
    outage_minutes: int = 5                  # BOT_OUTAGE_MINUTES: a messenger failing this long is an outage
    # WeCom
    wecom_corp_id: str = ""                  # WECOM_CORP_ID
    wecom_agent_id: str = ""                 # WECOM_AGENT_ID
    wecom_secret: str = ""                   # WECOM_SECRET
    wecom_token: str = ""                    # WECOM_TOKEN
    wecom_aes_key: str = ""                  # WECOM_AES_KEY
    wecom_api_base: str = "https://qyapi.weixin.qq.com"   # WECOM_API_BASE
    wecom_oauth_base: str = "https://open.weixin.qq.com"   # WECOM_OAUTH_BASE: sign-in inside the client
    wecom_login_base: str = "https://login.work.weixin.qq.com"   # WECOM_LOGIN_BASE: sign-in in a PC browser
    # DingTalk
    dingtalk_corp_id: str = ""               # DINGTALK_CORP_ID: the console refuses a sign-in of any other corpId
    dingtalk_app_key: str = ""               # DINGTALK_APP_KEY
    dingtalk_app_secret: str = ""            # DINGTALK_APP_SECRET
    dingtalk_robot_code: str = ""            # DINGTALK_ROBOT_CODE
    dingtalk_api_base: str = "https://api.dingtalk.com"   # DINGTALK_API_BASE
    dingtalk_oapi_base: str = "https://oapi.dingtalk.com"  # DINGTALK_OAPI_BASE
    dingtalk_login_base: str = "https://login.dingtalk.com"  # DINGTALK_LOGIN_BASE: sign-in in a browser
    dingtalk_sign_share_seconds: int = 5     # DINGTALK_SIGN_SHARE_SECONDS: callbacks may share a signature this long

    ENV_NAMES = {
        "env": "BOT_ENV", "database_url": "DATABASE_URL", "port": "PORT",
        "public_url": "BOT_PUBLIC_URL", "try_enabled": "BOT_TRY_ENABLED",
        "secret_key": "BOT_SECRET_KEY", "link_ttl_hours": "BOT_LINK_TTL_HOURS",
        "audit_retention_days": "BOT_AUDIT_RETENTION_DAYS", "log_level": "BOT_LOG_LEVEL",
        "files_dir": "BOT_FILES_DIR", "max_body_bytes": "BOT_MAX_BODY_BYTES",
        "try_upload_bytes": "BOT_TRY_UPLOAD_BYTES", "proofs_required": "BOT_PROOFS_REQUIRED",
        "soffice": "BOT_SOFFICE",
        "timezone": "BOT_TIMEZONE", "org_name": "BOT_ORG_NAME", "union_name": "BOT_UNION_NAME",
        "deadline": "BOT_DEADLINE", "review_period": "BOT_REVIEW_PERIOD",
        "naming_from": "BOT_NAMING_FROM", "notice_hour": "BOT_NOTICE_TIME",
        "countdown_days": "BOT_COUNTDOWN_DAYS", "remind_after_working_days": "BOT_REMIND_AFTER_DAYS",
        "grant_wan": "BOT_NAMING_GRANT_WAN", "naming_quota": "BOT_NAMING_QUOTA",
        "publicity_working_days": "BOT_PUBLICITY_WORKING_DAYS", "certificate_pattern": "BOT_CERTIFICATE_PATTERN",
        "certificate_prefix": "BOT_CERTIFICATE_PREFIX", "naming_doc_prefix": "BOT_NAMING_DOC_PREFIX",
        "rectify_working_days": "BOT_RECTIFY_WORKING_DAYS", "rectify_remind_working_days": "BOT_RECTIFY_REMIND_DAYS",
        "dev_today": "BOT_DEV_TODAY",
        "team_min_specialties": "BOT_TEAM_MIN_SPECIALTIES", "team_min_degree": "BOT_TEAM_MIN_DEGREE",
        "team_age_span": "BOT_TEAM_AGE_SPAN", "team_young_age": "BOT_TEAM_YOUNG_AGE",
        "venue_min_area": "BOT_VENUE_MIN_AREA",
        "console_idle_minutes": "BOT_CONSOLE_IDLE_MINUTES", "console_session_hours": "BOT_CONSOLE_SESSION_HOURS",
        "console_lock_failures": "BOT_CONSOLE_LOCK_FAILURES", "console_lock_minutes": "BOT_CONSOLE_LOCK_MINUTES",
        "trusted_proxies": "BOT_TRUSTED_PROXIES", "console_page_size": "BOT_CONSOLE_PAGE_SIZE",
        "console_upload_bytes": "BOT_CONSOLE_UPLOAD_BYTES",
        "delivery_interval": "BOT_DELIVERY_INTERVAL",
        "delivery_retry_hours": "BOT_DELIVERY_RETRY_HOURS", "outage_minutes": "BOT_OUTAGE_MINUTES",
        "wecom_corp_id": "WECOM_CORP_ID", "wecom_agent_id": "WECOM_AGENT_ID",
        "wecom_secret": "WECOM_SECRET", "wecom_token": "WECOM_TOKEN",
        "wecom_aes_key": "WECOM_AES_KEY", "wecom_api_base": "WECOM_API_BASE",
        "wecom_oauth_base": "WECOM_OAUTH_BASE", "wecom_login_base": "WECOM_LOGIN_BASE",
        "dingtalk_corp_id": "DINGTALK_CORP_ID", "dingtalk_login_base": "DINGTALK_LOGIN_BASE",
        "dingtalk_app_key": "DINGTALK_APP_KEY", "dingtalk_app_secret": "DINGTALK_APP_SECRET",
        "dingtalk_robot_code": "DINGTALK_ROBOT_CODE",
        "dingtalk_api_base": "DINGTALK_API_BASE", "dingtalk_oapi_base": "DINGTALK_OAPI_BASE",
        "dingtalk_sign_share_seconds": "DINGTALK_SIGN_SHARE_SECONDS",
    }

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Read every setting from ``environ`` (default os.environ), apply overrides, validate."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = cls.ENV_NAMES[f.name]
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f, name, raw)
        if "try_enabled" not in values:
            env = values.get("env", "development")
            values["try_enabled"] = env != "production"
        values.update(overrides)
        config = cls(**values)
        config.validate()
        return config

    # derived -------------------------------------------------------------------
    @property
    def wecom_enabled(self):
        return bool(self.wecom_corp_id)

    @property
    def dingtalk_enabled(self):
        return bool(self.dingtalk_app_key)

    @property
    def countdown(self):
        return sorted({int(x) for x in self.countdown_days.split(",") if x.strip()}, reverse=True)

    @property
    def notice_time(self):
        h, m = self.notice_hour.split(":")
        return time(int(h), int(m))

    @property
    def dev_moment(self):
        """BOT_DEV_TODAY as a naive local moment (a day alone: 10:00), or None when unset."""
        if not self.dev_today:
            return None
        text = self.dev_today.strip()
        moment = datetime.fromisoformat(text if "T" in text or " " in text else f"{text}T10:00")
        return moment.replace(tzinfo=None)

    def number(self, prefix, year, seq):
        """A certificate's or 命名文件's number from BOT_CERTIFICATE_PATTERN."""
        return self.certificate_pattern.format(prefix=prefix, year=year, seq=seq)

    def validate(self):
        problems = []
        if self.env not in ("development", "production", "test"):
            problems.append("BOT_ENV 只能是 development、production 或 test")
        if not re.fullmatch(r"[a-z0-9+]+://.*", self.database_url):
            problems.append("DATABASE_URL 不是有效的数据库地址，例如 sqlite:///instance/bot.db 或 postgresql+psycopg://user@host/db")
        if not 0 < self.port < 65536:
            problems.append("PORT 应在 1 到 65535 之间")
        if not self.secret_key:
            problems.append("BOT_SECRET_KEY 不能为空（用于下载链接签名）")
        if self.env == "production":
            problems += self._production_problems()
        if not 1 <= self.link_ttl_hours <= 24 * 365:
            problems.append("BOT_LINK_TTL_HOURS 应在 1 到 8760（小时）之间")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"BOT_TIMEZONE「{self.timezone}」不是有效的时区名称，例如 Asia/Shanghai")
        if not 180 <= self.audit_retention_days <= 36500:
            problems.append("BOT_AUDIT_RETENTION_DAYS 应在 180 到 36500（天）之间：审计记录至少保留 180 天")
        for name, value in (("BOT_DEADLINE", self.deadline), ("BOT_NAMING_FROM", self.naming_from)):
            if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value):
                problems.append(f"{name} 应写成 MM-DD，例如 05-31")
        if not re.fullmatch(r"(0[1-9]|1[0-2])-\d\d\.\.(0[1-9]|1[0-2])-\d\d", self.review_period):
            problems.append("BOT_REVIEW_PERIOD 应写成 MM-DD..MM-DD，例如 06-01..08-31")
        if not 1 <= self.console_upload_bytes <= 200 * 1024 * 1024:
            problems.append("BOT_CONSOLE_UPLOAD_BYTES 应在 1 到 209715200（200 MB）之间")
        if not 1 <= self.try_upload_bytes <= 200 * 1024 * 1024:
            problems.append("BOT_TRY_UPLOAD_BYTES 应在 1 到 209715200（200 MB）之间")
        if not 1 <= self.naming_quota <= 1000:
            problems.append("BOT_NAMING_QUOTA 应是 1 到 1000 之间的整数（每年命名的工作室数）")
        for name, value, top in (("BOT_TEAM_MIN_SPECIALTIES", self.team_min_specialties, 20),
                                 ("BOT_TEAM_MIN_DEGREE", self.team_min_degree, 20),
                                 ("BOT_TEAM_AGE_SPAN", self.team_age_span, 50),
                                 ("BOT_TEAM_YOUNG_AGE", self.team_young_age, 70),
                                 ("BOT_VENUE_MIN_AREA", self.venue_min_area, 10000)):
            if not 0 <= value <= top:
                problems.append(f"{name} 应是 0 到 {top} 之间的整数")
        problems += self._office_problems()
        for name, value, low, top in (("BOT_CONSOLE_IDLE_MINUTES", self.console_idle_minutes, 1, 24 * 60),
                                      ("BOT_CONSOLE_SESSION_HOURS", self.console_session_hours, 1, 72),
                                      ("BOT_CONSOLE_LOCK_FAILURES", self.console_lock_failures, 1, 100),
                                      ("BOT_CONSOLE_LOCK_MINUTES", self.console_lock_minutes, 1, 24 * 60),
                                      ("BOT_TRUSTED_PROXIES", self.trusted_proxies, 0, 5),
                                      ("BOT_CONSOLE_PAGE_SIZE", self.console_page_size, 10, 500)):
            if not low <= value <= top:
                problems.append(f"{name} 应是 {low} 到 {top} 之间的整数")
        if self.naming_from < "07-01":
            problems.append("BOT_NAMING_FROM 应在下半年（07-01 或以后），命名在考核验收之后的下半年进行")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.notice_hour):
            problems.append("BOT_NOTICE_TIME 应写成 HH:MM，例如 09:00")
        if not re.fullmatch(r"\d+(,\d+)*", self.countdown_days.replace(" ", "")):
            problems.append("BOT_COUNTDOWN_DAYS 应是逗号分隔的天数，例如 30,14,7,3,1")
        if self.wecom_corp_id:
            for name, value in (("WECOM_TOKEN", self.wecom_token), ("WECOM_SECRET", self.wecom_secret),
                                ("WECOM_AGENT_ID", self.wecom_agent_id)):
                if not value:
                    problems.append(f"已设置 WECOM_CORP_ID，还需要 {name}")
            if not re.fullmatch(r"[A-Za-z0-9]{43}", self.wecom_aes_key):
                problems.append("WECOM_AES_KEY 必须是 43 位字母或数字（企业微信后台的 EncodingAESKey）")
            if self.wecom_agent_id and not self.wecom_agent_id.isdigit():
                problems.append("WECOM_AGENT_ID 必须是数字")
            if self.wecom_token and not re.fullmatch(r"[A-Za-z0-9]{1,32}", self.wecom_token):
                problems.append("WECOM_TOKEN 应为不超过 32 位的字母或数字")
        if self.dingtalk_app_key and not self.dingtalk_app_secret:
            problems.append("已设置 DINGTALK_APP_KEY，还需要 DINGTALK_APP_SECRET")
        if not 1 <= self.delivery_retry_hours <= 24 * 30:
            problems.append("BOT_DELIVERY_RETRY_HOURS 应在 1 到 720（小时）之间")
        if not 1 <= self.outage_minutes <= 24 * 60:
            problems.append("BOT_OUTAGE_MINUTES 应在 1 到 1440（分钟）之间")
        if not 0 <= self.dingtalk_sign_share_seconds <= 60:
            problems.append("DINGTALK_SIGN_SHARE_SECONDS 应在 0 到 60（秒）之间")
        if problems:
            raise ConfigError("配置有误，无法启动：\n- " + "\n- ".join(problems))


    def _office_problems(self):
        problems = []
        for name, value, low, top in (("BOT_PUBLICITY_WORKING_DAYS", self.publicity_working_days, 1, 60),
                                      ("BOT_RECTIFY_WORKING_DAYS", self.rectify_working_days, 1, 250),
                                      ("BOT_RECTIFY_REMIND_DAYS", self.rectify_remind_working_days, 0, 60)):
            if not low <= value <= top:
                problems.append(f"{name} 应是 {low} 到 {top} 之间的整数（工作日）")
        pattern = self.certificate_pattern
        try:
            first, second = (self.number("X", 2026, n) for n in (1, 2))
        except (KeyError, IndexError, ValueError, AttributeError):
            first = second = None
        if "{seq" not in pattern or "{year" not in pattern or first is None or first == second:
            problems.append("BOT_CERTIFICATE_PATTERN 应含 {prefix}、{year} 和 {seq}，"
                            "例如 {prefix}〔{year}〕{seq:03d}号")
        if self.dev_today:
            try:
                self.dev_moment
            except ValueError:
                problems.append("BOT_DEV_TODAY 应写成 YYYY-MM-DD（或 YYYY-MM-DDTHH:MM），例如 2026-06-15")
        return problems

    def _production_problems(self):
        """What production refuses: a guessable link key, the documentation's sample callback
        settings, and the try-out page (anyone reaching the port could act as any identity)."""
        problems = []
        key = self.secret_key
        if key == "dev-only-secret":
            problems.append("生产环境必须设置 BOT_SECRET_KEY")
        elif len(key) < SECRET_KEY_CHARS:
            problems.append(f"BOT_SECRET_KEY 太短：生产环境至少 {SECRET_KEY_CHARS} 个字符，"
                            "可用 python -c \"import secrets; print(secrets.token_urlsafe(32))\" 生成")
        elif weak_secret(key):
            problems.append("BOT_SECRET_KEY 是常见的弱密钥或示例值，请换成随机生成的密钥"
                            "（python -c \"import secrets; print(secrets.token_urlsafe(32))\"）")
        if self.wecom_token in WECOM_SAMPLE_TOKENS:
            problems.append("WECOM_TOKEN 是企业微信文档里的示例值，请在管理后台「随机获取」一个新的 Token")
        if self.wecom_aes_key in WECOM_SAMPLE_AES_KEYS:
            problems.append("WECOM_AES_KEY 是企业微信文档里的示例值，请在管理后台「随机获取」一个新的 EncodingAESKey")
        if self.dev_today:
            problems.append("生产环境不能设置 BOT_DEV_TODAY（仅供开发时移动决策时钟），请删除该设置")
        if self.try_enabled:
            problems.append("生产环境不能开启试用页面：请删除 BOT_TRY_ENABLED 或设为 0"
                            "（试用页面不验证身份，任何能访问端口的人都可以冒充任何试用身份）")
        return problems


def weak_secret(key):
    """A key anyone could guess: a known placeholder in it, or too few distinct characters."""
    lowered = key.lower()
    return any(word in lowered for word in WEAK_SECRET_WORDS) or len(set(key)) < 10


def _coerce(f, name, raw):
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "str")
    try:
        if kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"配置有误，无法启动：{name}={raw!r} 不是有效的{ {'bool': '开关（1 或 0）', 'int': '整数', 'float': '数字'}[kind] }") from None
    return raw
