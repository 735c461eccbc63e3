"""Settings: accounts, the local store, the theme and HTTP options (the bottom layer).

Sources, lowest to highest priority, merged key by key:

1. the user config file, `config.toml` in the platformdirs user config dir for "workbench"
   (`~/.config/workbench/config.toml` on Linux);
2. the file named by `WORKBENCH_CONFIG` (it must exist if the variable is set);
3. `WORKBENCH_*` environment variables, nested with `__`: `WORKBENCH_THEME`,
   `WORKBENCH_STORE_DIR`, `WORKBENCH_HTTP__TIMEOUT`, and per account
   `WORKBENCH_ACCOUNTS__<NAME>__<FIELD>`, e.g. `WORKBENCH_ACCOUNTS__ACME__PASSWORD`. Names are
   matched case-insensitively and `-` in an account name is written `_` (account `acme-eu` ->
   `WORKBENCH_ACCOUNTS__ACME_EU__PASSWORD`). Variables can complete an account a file defines
   (the usual case: the secret in the environment, the rest in the file) or define a whole one.
   Empty variables are ignored.

`load_settings(path)` reads only `path` instead of the two files (plus the environment, unless
`environ={}`), for the demo and tests; `settings_from(dict)` reads nothing at all. Writing
(`save_settings`, `add_account`, `remove_account`, and so `workbench accounts add/remove`) goes
to one file, `config_path()`: WORKBENCH_CONFIG's if set, else the user's; mode 0600, atomic.

A config file looks like this:

    store_dir = "~/feedback-store"        # default: platformdirs user data dir / "store"
    theme = "textual-dark"

    [http]
    timeout = 30.0        # seconds per request
    concurrency = 8       # requests in flight per account
    max_retries = 5
    max_rate_wait = 300.0 # longest wait for a rate-limit window before giving up

    [sync]
    watchdog = 120.0      # seconds a table may make no progress before it stops
    lock_wait = 600.0     # seconds to wait for another sync of the same account
    refresh_days = 30     # days of Wootric responses read again for edits (tags, exclusion)

    [display]
    time_zone = "Europe/Paris" # optional: the zone of every figure (default: the account's)

    [accounts.acme]                       # names: lowercase letters/digits joined by - or _
    platform = "wootric"                  # wootric | cxi | apptentive | crowdskout
    time_zone = "America/Los_Angeles"     # optional IANA name; Wootric's is inferred at sync
    base_url = "http://127.0.0.1:8765/wootric"   # default: the real API
    email = "analyst@example.com"
    password = "keyring"

    [accounts.acme-cxi]
    platform = "cxi"                      # auth_base_url: where tokens come from
    client_id = "acme-cxi-client"         #   (default https://api.wootric.com)
    client_secret = "keyring:shared-cxi-secret"

Credentials by platform: wootric and cxi take one complete grant (email + password [+
account_token], client_id + client_secret, or refresh_token); apptentive a token [+ app_id];
crowdskout client_id + client_secret + redirect_uri [+ the token `workbench auth` obtains].

Secrets (`password`, `client_secret`, `refresh_token`, `token`) are SecretStr and may be:
the value itself (in a file: then the file should be mode 0600, and a warning with the exact
`chmod 600 <file>` says so otherwise); an environment variable as above; or a keyring reference,
`"keyring"` for the entry `<account>.<field>` of service `workbench` (e.g. `acme.password`,
set with `keyring set workbench acme.password` or `workbench accounts add --keyring`), or
`"keyring:<entry>"` for another entry of that service. `settings.accounts` keeps references as
written; `settings.account(name)` returns the account with its secrets fetched.

Every problem is a SettingsError whose str() is one line: `<file>: <key>: <what is wrong>`
(or `environment variable WORKBENCH_...: <key>: ...`), with no secret in it.
"""

from __future__ import annotations

from workbench.settings.accounts import (
    DEFAULT_BASE_URLS,
    DEFAULT_OAUTH_BASE_URL,
    PLATFORMS,
    SECRET_FIELDS,
    Account,
    ApptentiveAccount,
    CrowdskoutAccount,
    CxiAccount,
    Platform,
    WootricAccount,
    check_account_name,
)
from workbench.settings.errors import (
    InsecureConfigWarning,
    KeyringUnavailableError,
    SettingsError,
    UnknownAccountError,
)
from workbench.settings.loading import load_settings, settings_from, validate_account
from workbench.settings.model import DisplayOptions, HttpOptions, Settings, SyncOptions
from workbench.settings.paths import config_path, default_store_dir, user_config_file
from workbench.settings.secret_store import SERVICE as KEYRING_SERVICE
from workbench.settings.time_zones import check_time_zone, time_zone_problem
from workbench.settings.writing import add_account, remove_account, save_settings, write_config

__all__ = [
    "DEFAULT_BASE_URLS",
    "DEFAULT_OAUTH_BASE_URL",
    "KEYRING_SERVICE",
    "PLATFORMS",
    "SECRET_FIELDS",
    "Account",
    "ApptentiveAccount",
    "CrowdskoutAccount",
    "CxiAccount",
    "DisplayOptions",
    "HttpOptions",
    "InsecureConfigWarning",
    "KeyringUnavailableError",
    "Platform",
    "Settings",
    "SettingsError",
    "SyncOptions",
    "UnknownAccountError",
    "WootricAccount",
    "add_account",
    "check_account_name",
    "check_time_zone",
    "config_path",
    "default_store_dir",
    "load_settings",
    "remove_account",
    "save_settings",
    "settings_from",
    "time_zone_problem",
    "user_config_file",
    "validate_account",
    "write_config",
]
