# shellcheck shell=bash
# scripts/develop's work, run inside the project's environment from the checkout.
set -euo pipefail

config=config
port=8123
plug_port=8180
while [ $# -gt 0 ]; do
    case "$1" in
        --config) config="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --plug-port) plug_port="$2"; shift 2 ;;
        *) break ;;
    esac
done
checkout="$(pwd)"

# Home Assistant finds the integration in the checkout (on PYTHONPATH), and beside it the
# development helper that sets up the Energy dashboard (tools/develop/custom_components).
export PYTHONPATH="$checkout/tools/develop:$PYTHONPATH"
mkdir -p "$config/custom_components"
ln -sfn "$checkout/custom_components/gestion_energie" "$config/custom_components/gestion_energie"
touch "$config/automations.yaml" "$config/scripts.yaml" "$config/scenes.yaml"
python tools/develop_seed.py "$config" --plug-port "$plug_port"

python -m custom_components.gestion_energie.simulators.plugs --port "$plug_port" \
    >"$config/plug-simulator.log" 2>&1 &
plugs=$!
trap 'kill "$plugs" 2>/dev/null || true' EXIT
echo "Plug simulator on 127.0.0.1:$plug_port and the next ports (log: $config/plug-simulator.log)."
echo "Home Assistant starts on http://localhost:$port (Ctrl+C stops it)."

# The voice assistant's pinned audio packages need a compiler on this Python: other
# releases are installed (requirements_dev.txt), so Home Assistant must not build them.
# Not exec: this shell stays to stop the plug simulator when Home Assistant exits.
SETUP_PORT="$port" hass --config "$config" --skip-pip-packages pymicro-vad,pyspeex-noise "$@"
