# Sourced by the other scripts: pins pnpm and sets what the toolchain needs on this machine kind.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"   # better-sqlite3 builds against the local node headers
export TURBO_TELEMETRY_DISABLED=1
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
PNPM_VERSION=12.4.2
pnpm_() { npx -y "pnpm@${PNPM_VERSION}" "$@"; }
