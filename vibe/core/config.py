"""The one Settings object.

Every knob Vibe has lives here (prefix ``VIBE_``, ``.env`` supported) so that the rest of the
code never reads ``os.environ`` and every setting is documented in ``.env.example``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Vibe's configuration; defaults give a single-user laptop install with no services."""

    model_config = SettingsConfigDict(
        env_prefix="VIBE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Storage and services
    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite file, workspaces, backups."
    )
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite file in data_dir.")
    redis_url: str = Field(
        "", description="Redis URL; empty = in-process jobs and in-memory state."
    )
    secret_key: str = Field(
        "", description="Signs sessions and encrypts secrets; empty = generated into data_dir."
    )

    # Web
    public_url: str = Field("http://127.0.0.1:3000", description="Public base URL of the app.")
    port: int = Field(3000, description="Port `vibe serve` listens on.")
    host: str = Field("127.0.0.1", description="Interface `vibe serve` binds to.")
    log_level: str = Field("INFO", description="Log level (DEBUG, INFO, WARNING, ERROR).")
    log_json: bool = Field(True, description="Structured JSON logs on stderr.")
    session_ttl_hours: int = Field(24 * 14, description="Lifetime of a login session.")
    login_rate_limit: int = Field(30, description="Login/token requests per minute per client.")
    allow_local_login: bool | None = Field(
        None, description="Local single-user login on loopback; empty = only when no OAuth is set."
    )

    # GitHub OAuth
    github_client_id: str = Field("", description="GitHub OAuth app client id.")
    github_client_secret: str = Field("", description="GitHub OAuth app client secret.")
    github_authorize_url: str = Field(
        "https://github.com/login/oauth/authorize", description="GitHub authorize URL."
    )
    github_token_url: str = Field(
        "https://github.com/login/oauth/access_token", description="GitHub token URL."
    )
    github_api_url: str = Field("https://api.github.com/", description="GitHub REST API base URL.")
    github_scopes: str = Field("read:user user:email", description="Scopes asked from GitHub.")

    # Hugging Face OAuth
    hf_client_id: str = Field("", description="Hugging Face OAuth app client id.")
    hf_client_secret: str = Field("", description="Hugging Face OAuth app client secret.")
    hf_metadata_url: str = Field(
        "https://huggingface.co/.well-known/openid-configuration",
        description="Hugging Face OpenID discovery document.",
    )
    hf_scopes: str = Field("profile email", description="Scopes asked from Hugging Face.")

    # Workspaces
    max_file_bytes: int = Field(2_000_000, description="Largest file the editor reads or writes.")
    max_upload_bytes: int = Field(20_000_000, description="Largest upload accepted.")
    git_allow_local_remotes: bool = Field(
        False,
        description="Let non-admins set a local path or file:// URL as a project's git remote.",
    )

    # Jobs
    job_max_retries: int = Field(2, description="Automatic retries of a failed job.")
    job_timeout_seconds: int = Field(3600, description="A job running longer is failed.")
    worker_heartbeat_seconds: int = Field(10, description="How often a worker reports it is alive.")
    job_retry_backoff_seconds: float = Field(
        10.0, description="Delay before the first automatic retry; doubles on each further one."
    )
    job_threads: int = Field(4, description="Threads of the in-process job runner (no Redis).")

    # MCP orchestrator
    mcp_allow_private_urls: bool = Field(
        False, description="Let non-admin users add HTTP MCP servers on private/loopback addresses."
    )
    mcp_start_timeout_seconds: float = Field(20.0, description="Handshake deadline per MCP server.")
    mcp_health_interval_seconds: float = Field(30.0, description="Seconds between health checks.")
    mcp_breaker_failures: int = Field(3, description="Failures in a row that open a breaker.")
    mcp_breaker_cooldown_seconds: float = Field(
        30.0, description="Open breaker wait before a retry."
    )
    mcp_restart_backoff_max_seconds: float = Field(
        60.0,
        description="Longest wait between restarts of a crashed MCP server (doubles from 0.5).",
    )
    mcp_token: str = Field("", description="API token `vibe mcp serve --stdio` acts with.")
    mcp_health_keep_per_server: int = Field(
        2880, ge=0, description="Health checks kept per MCP server, newest first (0: all)."
    )
    mcp_health_keep_days: float = Field(
        7.0, ge=0, description="Health checks older than this many days are deleted (0: never)."
    )
    mcp_tools_dir: Path = Field(
        Path("tools/mcp"),
        description="Folder where `make mcp-servers` installs the off-the-shelf MCP servers.",
    )
    mcp_github_token: str = Field(
        "", description="Token (ghp_...) the preconfigured GitHub MCP server acts with."
    )
    mcp_github_ca_file: str = Field(
        "", description="Extra CA certificates (PEM) the GitHub MCP server trusts."
    )

    # AI assistant
    assistant_context_tokens: int = Field(
        12000, description="Default token budget of a chat turn's context (characters / 4)."
    )
    assistant_allow_private_urls: bool = Field(
        True, description="Let users point LLM providers at private/loopback addresses (Ollama)."
    )

    # Code knowledge graph
    graph_findings_after_index: bool = Field(
        True, description="Run the semgrep findings scan after every graph index job."
    )
    graph_coverage_max_bytes: int = Field(
        50_000_000, ge=1, description="Largest coverage report the graph coverage upload accepts."
    )

    @property
    def resolved_database_url(self) -> str:
        """The URL the engine uses; an empty setting means the embedded SQLite file."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.data_dir / 'vibe.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def workspaces_dir(self) -> Path:
        return self.data_dir / "workspaces"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def github_enabled(self) -> bool:
        return bool(self.github_client_id and self.github_client_secret)

    @property
    def hf_enabled(self) -> bool:
        return bool(self.hf_client_id and self.hf_client_secret)

    @property
    def local_login_enabled(self) -> bool:
        if self.allow_local_login is not None:
            return self.allow_local_login
        return not (self.github_enabled or self.hf_enabled)


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()


def child_env(**overrides: str) -> dict[str, str]:
    """Environment for child processes we start (Reflex, workers, pg_dump): ours plus changes."""
    import os

    env = dict(os.environ)
    env.update(overrides)
    return env


def set_env(**values: str) -> None:
    """Change this process's environment, and so its children's; the settings are read again.
    For what reads its configuration from there: Reflex, and rxconfig through the settings."""
    import os

    os.environ.update(values)
    get_settings.cache_clear()
