"""The one Settings object. Nothing else in the project reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa_engine.turns import TurnOptions

REPO_ROOT = Path(__file__).resolve().parent.parent
# Published in this source: anybody could sign tokens with it. Servers refuse it (qa_engine/api/serve.py).
BUILTIN_SECRET_KEY = "change-me-in-production"


class Settings(BaseSettings):
    """Configuration read from environment variables prefixed with ``QA_``."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "data", description="where the database, cache and uploads live")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    rules_dir: Path = REPO_ROOT / "rules"

    # ASR
    asr_model: str = Field(default="base", description="'base' (bundled registry weights) or a CTranslate2 Whisper directory")
    asr_device: str = Field(default="auto", description="auto | cpu | cuda")
    asr_compute_type: str = Field(default="int8", description="CTranslate2 compute type (int8, float16, int8_float16…)")
    asr_threads: int = 2
    asr_beam_size: int = 5
    asr_language: str = "zh"
    asr_hotwords: bool = Field(default=True, description="bias decoding towards the rule set's hotword phrases")
    model_cache_dir: Path | None = Field(default=None, description="default: <data_dir>/models")
    # Opening check on the audio (qa_engine/verify.py): when the transcript misses the expected
    # salutation, hotel name or work number, the Whisper model scores the expected words against
    # the turn's audio; they pass when within a margin (log-likelihood) of every rival.
    verify_audio: bool = Field(default=True, description="check opening phrases the transcript misses on the audio")
    verify_margin: float = Field(default=3.0, ge=0, description="log-likelihood margin over the transcript's own text "
                                 "and over nothing said (calibrated: benchmarks/opening_verification.py)")
    verify_alternative_margin: float = Field(default=1.0, ge=0, description="log-likelihood margin over what the agent "
                                             "could have said instead: another salutation, a work number one digit away")

    # Speaker turns (qa_engine/turns.py): a party's turn ends when the other takes the floor or
    # after a pause longer than turn_max_gap_s; short acknowledgements do not take the floor.
    turn_max_gap_s: float = Field(default=TurnOptions.max_gap_s, gt=0)
    turn_backchannels: tuple[str, ...] = TurnOptions.backchannels
    turn_backchannel_max_s: float = Field(default=TurnOptions.backchannel_max_s, gt=0)

    # Input limits and call-record defaults (used when a sidecar is missing)
    max_duration_s: float = 3600.0
    max_upload_mb: int = Field(default=512, gt=0, description="larger uploads are refused (HTTP 413)")
    # An hour of stereo at 48 kHz as float32 is 1.3 GB; the default allows that, not an hour at 192 kHz.
    max_decode_mb: int = Field(default=1536, gt=0, description="memory a recording may take once decoded")
    min_duration_s: float = Field(default=1.0, ge=0, description="shorter recordings are stored as failed")
    # A call is scored only when rules carrying at least this share of the scorecard's weight
    # could be decided (pass or fail, not n/a); otherwise its score is null ("未评分").
    min_scorable_weight_share: float = Field(default=0.5, ge=0, le=1)
    default_direction: str = "inbound"
    default_agent_channel: str = "left"
    default_agent_id: str | None = None
    timezone: str = "Asia/Shanghai"
    # Personal data: recordings and transcripts of calls older than this many days are deleted by
    # ``qa-engine retention apply`` (calls on legal hold excepted). None keeps them forever.
    retention_days: int | None = Field(default=None, gt=0, description="QA_RETENTION_DAYS; unset: keep forever")
    # An agent may appeal a failed finding this many days after the analysis or, when later, the
    # inspector's finalisation of the call.
    appeal_window_days: int = Field(default=7, gt=0, le=365, description="QA_APPEAL_WINDOW_DAYS")

    # PBX intake (qa_engine/intake/): CDR adapters and `qa-engine watch`
    pbx_timezone: str = Field(default="Asia/Shanghai", description="time zone of the PBX's CDR timestamps")
    # FreePBX routes trunk calls into from-pstn/from-trunk; FreeSWITCH's stock dialplan uses 'public'.
    pbx_inbound_contexts: tuple[str, ...] = ("from-pstn", "from-trunk", "from-external", "public")
    pbx_agent_channel_inbound: str = Field(default="left", description="agent's channel in inbound recordings: left|right|mono")
    pbx_agent_channel_outbound: str = Field(default="left", description="agent's channel in outbound recordings")
    pbx_check_agents: bool = Field(default=False, description="refuse CDRs whose extension is not in the agents table")
    watch_settle_s: float = Field(default=10.0, gt=0, description="a recording is complete once unchanged this long")
    watch_poll_s: float = Field(default=2.0, gt=0)
    # Asterisk writes the CDR row when the call ends, possibly after MixMonitor closed the file.
    watch_cdr_grace_s: float = Field(default=300.0, ge=0, description="how long a recording waits for its CDR row")

    # Diarization for mono recordings
    diarization_pipeline: Path | None = Field(default=None, description="local pyannote pipeline directory or config.yaml")
    diarization_embedding: str = Field(default="ge2e", pattern="^(ge2e|mfcc)$",
                                       description="embedded backend's voice features: ge2e (speaker encoder) or mfcc (old)")
    # Below this role confidence a mono call's roles are flagged for a human (calibrated on the dev mixes).
    diarization_review_below: float = Field(default=0.6, ge=0, le=1, description="role confidence that asks for review")

    # Scale-out workers (Celery + Redis)
    broker_url: str = Field(default="redis://127.0.0.1:6379/0", description="Celery broker")
    result_backend: str | None = Field(default=None, description="Celery result backend; default: the broker")
    worker_time_limit_s: float = Field(default=1800.0, description="hard time limit per call on a worker")

    # Service
    api_url: str = "http://127.0.0.1:8000"
    secret_key: str = Field(default=BUILTIN_SECRET_KEY, description="signs API tokens; `qa-engine serve` refuses the built-in value")
    token_minutes: int = 8 * 60
    # A dashboard login lasts this long at most; it ends sooner when the user is disabled or their
    # password or role changes (checked on every page run).
    dashboard_session_minutes: int = Field(default=8 * 60, gt=0)
    # Failed logins within the window after which logins answer 429 (per user name / per address).
    login_max_failures_per_user: int = Field(default=5, gt=0)
    login_max_failures_per_client: int = Field(default=20, gt=0)
    login_window_minutes: int = Field(default=15, gt=0)
    language: str = "zh"
    # Set by `qa-engine demo` for its servers: only the demo's login page shows the demo accounts.
    demo_logins_hint: bool = False

    def turn_options(self) -> TurnOptions:
        """The speaker-turn options of qa_engine.turns."""
        return TurnOptions(max_gap_s=self.turn_max_gap_s, backchannels=tuple(self.turn_backchannels),
                           backchannel_max_s=self.turn_backchannel_max_s)

    @property
    def db_url(self) -> str:
        """The database URL to connect to (SQLite file in the data directory by default)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'qa.sqlite3'}"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
