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


def test_try_is_off_by_default_in_production():
    assert not Config.from_env(environ={"BOT_ENV": "production", "BOT_SECRET_KEY": "x"}).try_enabled
    assert Config.from_env(environ={"BOT_ENV": "production", "BOT_SECRET_KEY": "x",
                                    "BOT_TRY_ENABLED": "1"}).try_enabled


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


