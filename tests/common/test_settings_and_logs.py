"""Settings from flags over environment variables, and JSON log lines."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from common.logs import JsonFormatter
from common.settings import Port, ServerSettings


class PoseLikeSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="POSELIKE_")

    port: Port = 50051


def test_defaults_apply_when_nothing_is_set():
    settings = PoseLikeSettings.from_args([])
    assert (settings.host, settings.port, settings.max_message_mb) == ("127.0.0.1", 50051, 64)
    assert settings.address == "127.0.0.1:50051"


def test_an_environment_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv("POSELIKE_PORT", "6001")
    monkeypatch.setenv("POSELIKE_GRACE_SECONDS", "2.5")
    settings = PoseLikeSettings.from_args([])
    assert (settings.port, settings.grace_seconds) == (6001, 2.5)


def test_a_flag_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("POSELIKE_PORT", "6001")
    settings = PoseLikeSettings.from_args(["--port", "7002", "--max-message-mb", "8"])
    assert (settings.port, settings.max_message_mb) == (7002, 8)


def test_unprefixed_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("PORT", "1234")
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert PoseLikeSettings.from_args([]).address == "127.0.0.1:50051"


def test_an_ipv6_host_is_bracketed_in_the_address():
    assert PoseLikeSettings(host="::").address == "[::]:50051"


def test_an_invalid_value_is_refused_naming_the_field(monkeypatch):
    monkeypatch.setenv("POSELIKE_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        PoseLikeSettings.from_args([])


def test_help_lists_every_flag_with_its_default(capsys):
    with pytest.raises(SystemExit) as done:
        PoseLikeSettings.from_args(["--help"], prog="fitness serve pose")
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "fitness serve pose" in text
    for flag in ("--host", "--port", "--max-message-mb", "--grace-seconds", "--log-level"):
        assert flag in text


def test_a_log_record_becomes_one_json_line_with_its_extra_fields():
    record = logging.makeLogRecord(
        {"name": "svc", "levelname": "INFO", "msg": "served %s", "args": ("x",), "code": "OK"}
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "served x"
    assert entry["severity"] == "INFO"
    assert entry["logger"] == "svc"
    assert entry["code"] == "OK"
    assert entry["timestamp"].endswith("+00:00")
