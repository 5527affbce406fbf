# Source me: a throw-away QGIS profile with this plugin enabled, for qgis_process.bin.
# Debian's /usr/bin/qgis_process wrapper is broken on 3.22: use qgis_process.bin.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMD_PROFILE="$(mktemp -d -t smd_profile_XXXXXX)"
mkdir -p "$SMD_PROFILE/plugins" "$SMD_PROFILE/home"
ln -s "$REPO_ROOT" "$SMD_PROFILE/plugins/soil_moisture_downscaling"
export HOME="$SMD_PROFILE/home"
export QGIS_CUSTOM_CONFIG_PATH="$SMD_PROFILE/config"
export QGIS_PLUGINPATH="$SMD_PROFILE/plugins"
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="$SMD_PROFILE/runtime"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
QGIS_PROCESS=/usr/bin/qgis_process.bin
"$QGIS_PROCESS" plugins enable soil_moisture_downscaling >/dev/null 2>&1 || true
