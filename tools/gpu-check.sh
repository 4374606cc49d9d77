#!/usr/bin/env bash
# Runs lightbench on a GPU machine that has no network and no Node.js, from the bundle that
# `npx tsx tools/make-gpu-bundle.ts` makes, and writes results, logs and a GPU trace into $OUT:
#   1. every variant of a small preset (default `small`) with warm-up and repeats;
#   2. baseline and deepcache on the small preset again with unfused attention (--fuse-attention off), the
#      same measurement as 1 apart from the attention form;
#   3. baseline, deepcache and lightcache on a large preset (default `sd15`, 2 steps, 16 frames), after
#      building its models outside the timed runs, then its baseline with unfused attention (score matrices and
#      all), so fused and unfused GPU memory at real size sit side by side;
#   4. baseline, deepcache, lightcache-swap and lightcache-slice on a real-size diffusion transformer (default
#      `wan-1.3b`: the Wan 2.1 1.3B transformer with the built-in text encoder and causal VAE, 2 steps, 3 latent
#      frames = 9 frames of 480×832), after building its graphs and manifest outside the timed runs.
# Each phase runs under a deadline so the whole check ends within --budget-s; a phase cut short keeps the
# variants it finished (results files are written after each variant).
#
#   tools/gpu-check.sh [--bundle FILE|DIR] [--out DIR] [--device webgpu|cuda|cpu|auto] [--budget-s 470]
#                      [--preset-all small] [--steps-all N] [--repeats 2] [--warmup 1]
#                      [--preset-big sd15] [--steps-big 2] [--frames-big 16] [--skip-big]
#                      [--preset-dit wan-1.3b] [--steps-dit 2] [--frames-dit 3] [--skip-dit] [--dry]
set -uo pipefail # not -e: one failing phase must not cost the others' results

here=$(cd "$(dirname "$0")" && pwd)
bundle="$here/../.lightbench-cache/gpu-bundle/lightbench-gpu.tar.xz"
out="${OUT:-$PWD/gpu-check-out}"
device=webgpu
budget_s=470
preset_all=small
steps_all=""
repeats=2
warmup=1
preset_big=sd15
steps_big=2
frames_big=16
skip_big=0
preset_dit=wan-1.3b
steps_dit=2
frames_dit=3
skip_dit=0
dry=0
while (($#)); do
  case "$1" in
    --bundle) bundle=$2; shift ;;
    --out) out=$2; shift ;;
    --device) device=$2; shift ;;
    --budget-s) budget_s=$2; shift ;;
    --preset-all) preset_all=$2; shift ;;
    --steps-all) steps_all=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --preset-big) preset_big=$2; shift ;;
    --steps-big) steps_big=$2; shift ;;
    --frames-big) frames_big=$2; shift ;;
    --skip-big) skip_big=1 ;;
    --preset-dit) preset_dit=$2; shift ;;
    --steps-dit) steps_dit=$2; shift ;;
    --frames-dit) frames_dit=$2; shift ;;
    --skip-dit) skip_dit=1 ;;
    --dry) dry=1 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

start_s=$(date +%s)
mkdir -p "$out"
out=$(cd "$out" && pwd)
log_file="$out/gpu-check.log"
log() { printf '[%4ss] %s\n' "$(($(date +%s) - start_s))" "$*" | tee -a "$log_file"; }
remaining_s() { echo $((budget_s - ($(date +%s) - start_s))); }
summary=()

work="${GPU_CHECK_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/lightbench-gpu-check-XXXXXX")}"
mkdir -p "$work"
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null
  if [[ "${GPU_CHECK_KEEP:-0}" != 1 && -z "${GPU_CHECK_WORK:-}" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- unpack -------------------------------------------------------------------------------------------
if [[ -d "$bundle" ]]; then
  root=$(cd "$bundle" && pwd)
  log "bundle: using the unpacked folder $root"
else
  [[ -f "$bundle" ]] || { log "no bundle at $bundle (make one with: npx tsx tools/make-gpu-bundle.ts)"; exit 1; }
  log "bundle: unpacking $bundle ($(du -h "$bundle" | cut -f1)) into $work"
  if command -v xz >/dev/null; then
    xz -dc "$bundle" | tar -x -C "$work" || { log "unpacking failed"; exit 1; }
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$bundle" | tar -x -C "$work" || { log "unpacking failed"; exit 1; }
  else
    log "cannot unpack: neither xz nor python3 is installed"; exit 1
  fi
  root="$work/lightbench-gpu"
fi
app="$root/app"
node="$root/node/bin/node"
if ! node_version=$("$node" --version 2>&1); then
  log "the bundled Node does not start here: $node_version (this machine's glibc: $(getconf GNU_LIBC_VERSION 2>/dev/null))"
  exit 1
fi
log "node $node_version; glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | cut -d' ' -f2)"

# ---- Vulkan: loader and driver ------------------------------------------------------------------------
if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  vulkan_loader="system: $(ldconfig -p | grep 'libvulkan\.so\.1 ' | head -1 | sed 's/.*=> //')"
else
  export LD_LIBRARY_PATH="$root/vulkan/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  vulkan_loader="bundled: $(ls "$root"/vulkan/lib/libvulkan.so.1.* 2>/dev/null | head -1) (Debian's; needs glibc 2.34 or newer)"
fi
log "Vulkan loader: $vulkan_loader"

icd_dirs=(/usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d)
if [[ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
  vulkan_icd="given: VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
else
  icd=""
  for dir in "${icd_dirs[@]}"; do
    for file in "$dir"/nvidia*.json; do [[ -f "$file" && -z "$icd" ]] && icd=$file; done
  done
  if [[ -z "$icd" ]]; then
    icd=$(timeout 20 find / -xdev -maxdepth 6 -name 'nvidia*icd*.json' -not -path '/proc/*' 2>/dev/null | head -1)
  fi
  if [[ -n "$icd" ]]; then
    vulkan_icd="found $icd: $(tr -d '\n ' <"$icd")"
  else
    # Containers often get the driver's Vulkan library but not its manifest; the manifest only names it.
    glx=$(ldconfig -p 2>/dev/null | grep 'libGLX_nvidia\.so\.0 ' | head -1 | sed 's/.*=> //')
    [[ -z "$glx" ]] && glx=$(timeout 20 find / -xdev -maxdepth 6 -name 'libGLX_nvidia.so.0' -not -path '/proc/*' 2>/dev/null | head -1)
    if [[ -n "$glx" ]]; then
      mkdir -p "$work/icd"
      icd="$work/icd/nvidia_icd.json"
      printf '{ "file_format_version": "1.0.1", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" >"$icd"
      vulkan_icd="no NVIDIA manifest; wrote $icd for $glx"
    fi
  fi
  if [[ -n "$icd" ]]; then
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
  else
    found=$(ls "${icd_dirs[@]}" 2>/dev/null | grep '\.json$' | tr '\n' ' ')
    vulkan_icd="no NVIDIA Vulkan driver (no nvidia*icd*.json, no libGLX_nvidia.so.0; in a container the driver's Vulkan part is mounted only when NVIDIA_DRIVER_CAPABILITIES includes graphics, now '${NVIDIA_DRIVER_CAPABILITIES:-unset}'); the loader searches its default folders (found: ${found:-nothing})"
  fi
fi
log "Vulkan driver: $vulkan_icd"

if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
  mkdir -p -m 700 "$work/xdg"
  export XDG_RUNTIME_DIR="$work/xdg"
fi
export LIGHTBENCH_CACHE_DIR="${LIGHTBENCH_CACHE_DIR:-$work/models}"
mkdir -p "$LIGHTBENCH_CACHE_DIR"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "uname: $(uname -a)"
  echo "glibc: $(getconf GNU_LIBC_VERSION 2>/dev/null)"
  echo "cpus: $(nproc); memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "model cache: $LIGHTBENCH_CACHE_DIR ($(df -Ph "$LIGHTBENCH_CACHE_DIR" | awk 'NR==2 {print $4 " free"}'))"
  echo "node: $node_version"
  echo "Vulkan loader: $vulkan_loader"
  echo "Vulkan driver: $vulkan_icd"
  echo "NVIDIA_DRIVER_CAPABILITIES: ${NVIDIA_DRIVER_CAPABILITIES:-unset}"
  echo "--- nvidia-smi"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,uuid,driver_version,memory.total,memory.used --format=csv 2>&1
  else
    echo "nvidia-smi not on PATH"
  fi
  echo "--- bundle"
  cat "$root/BUNDLE-INFO.json"
} >"$out/environment.txt"

# ---- the runs -----------------------------------------------------------------------------------------

# Runs a command in its own process group and ends the whole group (the harness and its per-variant
# children) when its time is up.
run_limited() {
  local limit_s=$1 log=$2
  shift 2
  setsid "$@" >"$log" 2>&1 &
  local pid=$! waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < limit_s)); do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null
    sleep 5
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 124
  fi
  wait "$pid"
}

phase() {
  local name=$1 limit_s=$2
  shift 2
  if ((limit_s < 15)); then
    log "$name: skipped, ${limit_s}s left of the budget"
    summary+=("$name: skipped (budget)")
    return 1
  fi
  log "$name: $* (limit ${limit_s}s)"
  if ((dry)); then
    summary+=("$name: dry run")
    return 0
  fi
  local t0=$(date +%s) code
  run_limited "$limit_s" "$out/$name.log" bash -c 'cd "$1" && shift && exec "$@"' _ "$app" "$node" bin/lightbench.js "$@"
  code=$?
  local took=$(($(date +%s) - t0))
  local status=$([[ $code == 0 ]] && echo ok || ([[ $code == 124 ]] && echo "cut off at the limit" || echo "exit $code"))
  log "$name: $status after ${took}s"
  summary+=("$name: $status after ${took}s")
  grep -h '^results: ' "$out/$name.log" | tee -a "$log_file"
  return "$code"
}

if command -v nvidia-smi >/dev/null && ((!dry)); then
  nvidia-smi --query-gpu=timestamp,uuid,memory.used,memory.total,utilization.gpu,power.draw --format=csv,nounits -lms 500 >"$out/nvidia-smi-trace.csv" 2>&1 &
  sampler_pid=$!
fi

# The probe alone first: what the harness will find, in a few seconds, before any model is built.
probe_code='const { resolveDevice } = await import("./harness/resolve-device.ts"); try { console.log(JSON.stringify(await resolveDevice(process.argv[1]))); } catch (e) { console.log(JSON.stringify({ error: e.message })); process.exitCode = 1; }'
(cd "$app" && timeout 120 "$node" --import tsx --input-type=module -e "$probe_code" "$device") >"$out/device.json" 2>"$out/device-probe.log"
log "device $device: $(cat "$out/device.json")"

variants_all=baseline,deepcache,fme,lightcache,lightcache-swap,lightcache-chunk,lightcache-slice
all_args=(run --preset "$preset_all" --device "$device" --variants "$variants_all" --warmup "$warmup" --repeats "$repeats" --out "$out/results" --no-progress)
[[ -n "$steps_all" ]] && all_args+=(--steps "$steps_all")
# The small preset gets at most two fifths of the budget; the large one needs the rest for its model builds.
limit_all=$(($(remaining_s) * 2 / 5))
((skip_big && skip_dit)) && limit_all=$(($(remaining_s) - 10))
phase "run-$preset_all" "$limit_all" "${all_args[@]}"
unfused_args=(run --preset "$preset_all" --device "$device" --variants baseline,deepcache --fuse-attention off --warmup "$warmup" --repeats "$repeats" --out "$out/results" --no-progress)
[[ -n "$steps_all" ]] && unfused_args+=(--steps "$steps_all")
limit_unfused=$(($(remaining_s) / 4))
((skip_big && skip_dit)) && limit_unfused=$(($(remaining_s) - 10))
phase "run-$preset_all-unfused" "$limit_unfused" "${unfused_args[@]}"

# The diffusion transformer keeps two fifths of what is left for itself when the large U-Net runs too.
reserve_dit=0
((!skip_dit && !skip_big)) && reserve_dit=$(($(remaining_s) * 2 / 5))
if ((!skip_big)); then
  if phase "build-$preset_big" $(($(remaining_s) - reserve_dit - 60)) models build --preset "$preset_big"; then
    phase "run-$preset_big" $((($(remaining_s) - reserve_dit) * 2 / 3)) run --preset "$preset_big" --steps "$steps_big" --frames "$frames_big" --device "$device" \
      --variants baseline,deepcache,lightcache --warmup 0 --repeats 1 --out "$out/results" --no-progress
    # Its unfused graphs are built inside this phase (the build above made the fused ones).
    phase "run-$preset_big-unfused" $(($(remaining_s) - reserve_dit - 10)) run --preset "$preset_big" --steps "$steps_big" --frames "$frames_big" --device "$device" \
      --variants baseline --fuse-attention off --warmup 0 --repeats 1 --out "$out/results" --no-progress
  else
    log "run-$preset_big: not run, its models did not build (see build-$preset_big.log)"
    summary+=("run-$preset_big: not run (model build failed or was cut off)")
  fi
fi

if ((!skip_dit)); then
  # The DiT preset runs as the manifest its build writes into the model cache, at the frames it was built for.
  if phase "build-$preset_dit" $(($(remaining_s) - 60)) models build --preset "$preset_dit" --frames "$frames_dit"; then
    phase "run-$preset_dit" $(($(remaining_s) - 10)) run --preset "$preset_dit" --steps "$steps_dit" --frames "$frames_dit" --device "$device" \
      --variants baseline,deepcache,lightcache-swap,lightcache-slice --warmup 0 --repeats 1 --out "$out/results" --no-progress
  else
    log "run-$preset_dit: not run, its graphs did not build (see build-$preset_dit.log)"
    summary+=("run-$preset_dit: not run (graph build failed or was cut off)")
  fi
fi

[[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null && sampler_pid=""
{
  echo "gpu-check: device $device, total $(($(date +%s) - start_s))s of a ${budget_s}s budget"
  printf '%s\n' "${summary[@]}"
  echo "model cache: $(du -sh "$LIGHTBENCH_CACHE_DIR" 2>/dev/null | cut -f1)"
  ls "$out/results" 2>/dev/null | grep '\.json$' | sed 's/^/results: /'
} | tee "$out/summary.txt"
