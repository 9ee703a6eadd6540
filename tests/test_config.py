"""Configuration from the environment: defaults, and invalid values stopping start-up clearly."""
import subprocess
import sys

import pytest

from bot.config import Config
from bot.errors import ConfigError


def test_defaults_are_safe():
    config = Config.from_env(environ={})
    assert config.database_url.startswith("sqlite:///") and config.database_url.endswith("instance/bot.db")
    assert config.port == 8000 and config.try_enabled and not config.wecom_enabled


STRONG_KEY = "q8Vd2mXr7LpN4tZs1KwB9eYh3GcJ6fUa"
PRODUCTION = {"BOT_ENV": "production", "BOT_SECRET_KEY": STRONG_KEY}
WECOM = {"WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_AGENT_ID": "1000002",
         "WECOM_TOKEN": "aB3dE5gH7jK9mN1p", "WECOM_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}


def test_try_is_off_by_default_in_production_and_cannot_be_turned_on():
    assert not Config.from_env(environ=PRODUCTION).try_enabled
    with pytest.raises(ConfigError) as err:
        Config.from_env(environ=dict(PRODUCTION, BOT_TRY_ENABLED="1"))
    assert "生产环境不能开启试用页面" in str(err.value) and "BOT_TRY_ENABLED" in str(err.value)


@pytest.mark.parametrize("key, phrase", [
    ("1", "BOT_SECRET_KEY 太短"), ("changeme", "BOT_SECRET_KEY 太短"), ("dev-only-secret", "必须设置 BOT_SECRET_KEY"),
    ("changeme-changeme-changeme-changeme", "BOT_SECRET_KEY 是常见的弱密钥"),
    ("a" * 40, "BOT_SECRET_KEY 是常见的弱密钥"), ("0123456789" * 4, "BOT_SECRET_KEY 是常见的弱密钥"),
    ("my-very-long-password-for-the-bot-2025", "BOT_SECRET_KEY 是常见的弱密钥"),
])
def test_a_weak_secret_key_is_refused_in_production(key, phrase):
    with pytest.raises(ConfigError) as err:
        Config.from_env(environ=dict(PRODUCTION, BOT_SECRET_KEY=key))
    assert phrase in str(err.value)
    Config.from_env(environ={"BOT_ENV": "development", "BOT_SECRET_KEY": key})     # a development key may be anything


def test_a_random_key_is_accepted_in_production():
    import secrets
    for key in (STRONG_KEY, secrets.token_urlsafe(32), secrets.token_hex(16)):
        assert Config.from_env(environ=dict(PRODUCTION, BOT_SECRET_KEY=key)).secret_key == key


@pytest.mark.parametrize("name, sample", [
    ("WECOM_TOKEN", "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"), ("WECOM_TOKEN", "QDG6eK"),
    ("WECOM_AES_KEY", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"),
    ("WECOM_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
])
def test_the_wecom_documentations_samples_are_refused_in_production(name, sample):
    Config.from_env(environ=dict(PRODUCTION, **WECOM))
    with pytest.raises(ConfigError) as err:
        Config.from_env(environ=dict(PRODUCTION, **dict(WECOM, **{name: sample})))
    assert f"{name} 是企业微信文档里的示例值" in str(err.value)


@pytest.mark.parametrize("env, phrase", [
    ({"BOT_SECRET_KEY": "changeme"}, "BOT_SECRET_KEY 太短"),
    ({"BOT_TRY_ENABLED": "1"}, "BOT_TRY_ENABLED"),
    ({"WECOM_TOKEN": "QDG6eK"}, "WECOM_TOKEN 是企业微信文档里的示例值"),
])
def test_check_config_and_start_up_refuse_an_unsafe_production(tmp_path, env, phrase):
    environ = {**PRODUCTION, **WECOM, **env, "PATH": "/usr/bin:/bin",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    for command in (["check-config"], ["worker"], ["demo"]):
        result = subprocess.run([sys.executable, "-m", "bot", *command], capture_output=True, text=True,
                                env=environ, timeout=60)
        assert result.returncode == 2, command
        assert phrase in result.stderr and "Traceback" not in result.stderr


def test_the_demo_is_refused_in_production(tmp_path):
    environ = dict(PRODUCTION, PATH="/usr/bin:/bin", DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}")
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True,
                            env=environ, timeout=60)
    assert result.returncode == 2
    assert "生产环境不能加载演示数据" in result.stderr and "BOT_ENV" in result.stderr
    assert not (tmp_path / "bot.db").exists()          # nothing written


@pytest.mark.parametrize("env, phrase", [
    ({"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "t", "WECOM_SECRET": "s", "WECOM_AGENT_ID": "1",
      "WECOM_AES_KEY": "short"}, "WECOM_AES_KEY 必须是 43 位"),
    ({"PORT": "eighty"}, "PORT='eighty' 不是有效的整数"),
    ({"BOT_DEADLINE": "5/31"}, "BOT_DEADLINE 应写成 MM-DD"),
    ({"BOT_ENV": "production"}, "必须设置 BOT_SECRET_KEY"),
    ({"DINGTALK_APP_KEY": "k"}, "DINGTALK_APP_SECRET"),
    ({"BOT_TRY_ENABLED": "maybe"}, "BOT_TRY_ENABLED"),
])
def test_invalid_values_are_refused_with_a_clear_message(env, phrase):
    with pytest.raises(ConfigError) as err:
        Config.from_env(environ=env)
    assert phrase in str(err.value)


def test_cli_stops_at_start_up_on_bad_config(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot", "check-config"], capture_output=True,
                            text=True, env={"WECOM_CORP_ID": "ww1", "WECOM_AES_KEY": "bad",
                                            "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "WECOM_AES_KEY 必须是 43 位" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_setting_is_documented_in_the_readme_and_the_example():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    readme, example = (root / "README.md").read_text(), (root / ".env.example").read_text()
    for name in Config.ENV_NAMES.values():
        assert name in readme, name
        assert f"\n{name}=" in example, name




def test_the_timezone_is_checked_and_used():
    from bot.config import ConfigError
    from storage.clock import Clock
    with pytest.raises(ConfigError, match="BOT_TIMEZONE「Mars/Base」不是有效的时区名称"):
        Config.from_env(environ={"BOT_TIMEZONE": "Mars/Base"})
    config = Config.from_env(environ={"BOT_TIMEZONE": "Asia/Urumqi"})
    assert str(Clock(config.timezone).now().tzinfo) == "Asia/Urumqi"
