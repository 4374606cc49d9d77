"""Records diffusers' DDIM, Euler discrete, flow-matching Euler and UniPC (flow) scheduler values as a test fixture.

Also records schedulers loaded from diffusers scheduler_config.json objects (DIFFUSERS_CONFIG_CASES), which the
test translates with lightbench's diffusers-config translation and steps side by side.

Builds the schedulers from config dicts (no downloads), evaluates schedule tables, timesteps, sigmas and single
`step()` / `scale_model_input()` calls on fixed inputs, runs the flow-matching schedulers through whole trajectories
(multistep samplers keep state between steps), and writes test/fixtures/scheduler-reference.json.

    /path/to/venv/bin/python tools/reference/scheduler_reference.py [output.json]
"""

import json
import platform
import sys
from pathlib import Path

import diffusers
import numpy as np
import torch
from diffusers import DDIMScheduler, EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "test" / "fixtures" / "scheduler-reference.json"
ALPHA_INDICES = [0, 1, 10, 100, 500, 999]
SAMPLE_LENGTH = 16

# Stable Diffusion v1-5's published scheduler/scheduler_config.json (a PNDM config other schedulers load from).
SD15_SCHEDULER_CONFIG = {
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}
# What diffusers' AnimateDiff docs pass when loading DDIM over an SD 1.5 checkpoint's scheduler config.
ANIMATEDIFF_DDIM_OVERRIDES = {
    "clip_sample": False,
    "timestep_spacing": "linspace",
    "beta_schedule": "linear",
    "steps_offset": 1,
}

BETA_SETTINGS = {
    "sd-scaled-linear": {"numTrainTimesteps": 1000, "betaStart": 0.00085, "betaEnd": 0.012, "betaSchedule": "scaled_linear"},
    "animatediff-linear": {"numTrainTimesteps": 1000, "betaStart": 0.00085, "betaEnd": 0.012, "betaSchedule": "linear"},
}


def to_diffusers_kwargs(config):
    kwargs = {
        "num_train_timesteps": config["numTrainTimesteps"],
        "beta_start": config["betaStart"],
        "beta_end": config["betaEnd"],
        "beta_schedule": config["betaSchedule"],
        "timestep_spacing": config["timestepSpacing"],
        "steps_offset": config["stepsOffset"],
        "prediction_type": config["predictionType"],
    }
    if config["kind"] == "ddim":
        kwargs["clip_sample"] = config["clipSample"]
        kwargs["set_alpha_to_one"] = config["setAlphaToOne"]
    if "karrasSigmas" in config:
        kwargs["use_karras_sigmas"] = True
        kwargs["sigma_min"] = config["karrasSigmas"]["sigmaMin"]
        kwargs["sigma_max"] = config["karrasSigmas"]["sigmaMax"]
    if "timestepType" in config:
        kwargs["timestep_type"] = config["timestepType"]
    return kwargs


def from_diffusers_config(kind, cfg):
    config = {
        "kind": kind,
        "numTrainTimesteps": cfg["num_train_timesteps"],
        "betaStart": cfg["beta_start"],
        "betaEnd": cfg["beta_end"],
        "betaSchedule": cfg["beta_schedule"],
        "timestepSpacing": cfg["timestep_spacing"],
        "stepsOffset": cfg["steps_offset"],
        "predictionType": cfg["prediction_type"],
        # Euler has no such settings; recorded as the values SD 1.5's config carries.
        "clipSample": cfg.get("clip_sample", SD15_SCHEDULER_CONFIG["clip_sample"]),
        "setAlphaToOne": cfg.get("set_alpha_to_one", SD15_SCHEDULER_CONFIG["set_alpha_to_one"]),
    }
    return config


def make_config(kind, betas, spacing, prediction="epsilon", clip_sample=False, set_alpha_to_one=False):
    return {
        "kind": kind,
        **BETA_SETTINGS[betas],
        "timestepSpacing": spacing,
        "stepsOffset": 1,
        "predictionType": prediction,
        "clipSample": clip_sample,
        "setAlphaToOne": set_alpha_to_one,
    }


def floats(tensor):
    return [float(x) for x in np.asarray(tensor, dtype=np.float64).reshape(-1)]


def fixed_inputs():
    index = np.arange(SAMPLE_LENGTH, dtype=np.float64)
    sample = np.sin(index).astype(np.float32)
    model_output = np.cos(index).astype(np.float32)
    return torch.from_numpy(sample), torch.from_numpy(model_output)


def build(config, num_inference_steps):
    cls = DDIMScheduler if config["kind"] == "ddim" else EulerDiscreteScheduler
    scheduler = cls(**to_diffusers_kwargs(config))
    scheduler.set_timesteps(num_inference_steps)
    return scheduler


def record_case(name, config, num_inference_steps, step_indices):
    scheduler = build(config, num_inference_steps)
    sample, model_output = fixed_inputs()
    timesteps = scheduler.timesteps
    case = {
        "name": name,
        "config": config,
        "numInferenceSteps": num_inference_steps,
        "timesteps": floats(timesteps),
        "initNoiseSigma": float(scheduler.init_noise_sigma),
        "steps": [],
    }
    if config["kind"] == "euler":
        case["sigmas"] = floats(scheduler.sigmas)
    for index in step_indices:
        timestep = timesteps[index]
        entry = {"stepIndex": index, "timestep": float(timestep)}
        if config["kind"] == "euler":
            scheduler._step_index = index
            entry["scaledModelInput"] = floats(scheduler.scale_model_input(sample.clone(), timestep))
            scheduler._step_index = index
            entry["prevSample"] = floats(scheduler.step(model_output.clone(), timestep, sample.clone()).prev_sample)
        else:
            result = scheduler.step(model_output.clone(), int(timestep), sample.clone(), eta=0.0)
            entry["prevSample"] = floats(result.prev_sample)
        case["steps"].append(entry)
    return case


def record_beta_schedule(name, settings):
    config = {"kind": "ddim", **settings, "timestepSpacing": "leading", "stepsOffset": 0,
              "predictionType": "epsilon", "clipSample": False, "setAlphaToOne": False}
    scheduler = DDIMScheduler(**to_diffusers_kwargs(config))
    # An independent float64 evaluation of the same formulas, to tell float32 rounding from formula errors.
    n = settings["numTrainTimesteps"]
    if settings["betaSchedule"] == "linear":
        betas64 = np.linspace(settings["betaStart"], settings["betaEnd"], n, dtype=np.float64)
    else:
        betas64 = np.linspace(settings["betaStart"] ** 0.5, settings["betaEnd"] ** 0.5, n, dtype=np.float64) ** 2
    cumprod64 = np.cumprod(1.0 - betas64)
    return {
        "name": name,
        "settings": settings,
        "indices": ALPHA_INDICES,
        "alphasCumprod": [float(scheduler.alphas_cumprod[i]) for i in ALPHA_INDICES],
        "alphasCumprodFloat64": [float(cumprod64[i]) for i in ALPHA_INDICES],
        "betas": [float(scheduler.betas[i]) for i in ALPHA_INDICES],
    }


def record_presets():
    euler = EulerDiscreteScheduler.from_config(SD15_SCHEDULER_CONFIG)
    ddim = DDIMScheduler.from_config(SD15_SCHEDULER_CONFIG, **ANIMATEDIFF_DDIM_OVERRIDES)
    return {
        "sd15SchedulerConfig": SD15_SCHEDULER_CONFIG,
        "animateDiffDdimOverrides": ANIMATEDIFF_DDIM_OVERRIDES,
        "sdEuler": from_diffusers_config("euler", dict(euler.config)),
        "animateDiffDdim": from_diffusers_config("ddim", dict(ddim.config)),
    }


def step_indices_for(num_inference_steps):
    return sorted({0, num_inference_steps // 2, num_inference_steps - 1})


def all_cases():
    cases = []
    for kind in ("ddim", "euler"):
        for betas in BETA_SETTINGS:
            for spacing in ("leading", "linspace", "trailing"):
                for steps in (10, 25):
                    config = make_config(kind, betas, spacing)
                    cases.append(record_case(f"{kind}/{betas}/{spacing}/{steps}", config, steps, step_indices_for(steps)))
    cases.append(record_case("ddim/sd-scaled-linear/trailing/10/v_prediction",
                             make_config("ddim", "sd-scaled-linear", "trailing", prediction="v_prediction"), 10, [0, 5, 9]))
    cases.append(record_case("euler/sd-scaled-linear/linspace/10/v_prediction",
                             make_config("euler", "sd-scaled-linear", "linspace", prediction="v_prediction"), 10, [0, 5, 9]))
    # Stable Video Diffusion's sampler: Karras sigmas between fixed bounds, continuous timesteps 0.25·ln σ.
    svd = {**make_config("euler", "sd-scaled-linear", "leading", prediction="v_prediction"),
           "karrasSigmas": {"sigmaMin": 0.002, "sigmaMax": 700.0}, "timestepType": "continuous"}
    cases.append(record_case("euler/sd-scaled-linear/leading/25/karras+continuous (SVD)", svd, 25, [0, 12, 24]))
    karras = {**make_config("euler", "sd-scaled-linear", "leading"), "karrasSigmas": {"sigmaMin": 0.0292, "sigmaMax": 14.6146}}
    cases.append(record_case("euler/sd-scaled-linear/leading/10/karras", karras, 10, [0, 5, 9]))
    cases.append(record_case("ddim/animatediff-linear/leading/10/clip-sample+alpha-to-one",
                             make_config("ddim", "animatediff-linear", "leading", clip_sample=True, set_alpha_to_one=True),
                             10, [0, 5, 9]))
    cases.append(record_case("ddim/animatediff-linear/linspace/10/alpha-to-one",
                             make_config("ddim", "animatediff-linear", "linspace", set_alpha_to_one=True), 10, [9]))
    return cases


# diffusers scheduler_config.json objects as checkpoints ship them, covering every option lightbench translates.
# Each is loaded with from_config exactly as given (diffusers' defaults fill the rest).
DIFFUSERS_CONFIG_CASES = [
    ("ddim defaults", {"_class_name": "DDIMScheduler"}, 10, [0, 5, 9]),
    ("ddim squaredcos_cap_v2, leading + offset, clip_sample range 1.5, alpha to one",
     {"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2", "timestep_spacing": "leading", "steps_offset": 1,
      "clip_sample": True, "clip_sample_range": 1.5, "set_alpha_to_one": True}, 10, [0, 5, 9]),
    ("ddim zero-SNR trailing v_prediction",
     {"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "timestep_spacing": "trailing", "prediction_type": "v_prediction", "rescale_betas_zero_snr": True,
      "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1}, 10, [0, 5, 9]),
    ("ddim sample prediction, linspace",
     {"_class_name": "DDIMScheduler", "beta_schedule": "linear", "timestep_spacing": "linspace", "prediction_type": "sample",
      "clip_sample": False}, 7, [0, 3, 6]),
    ("ddim scaled_linear leading v_prediction (a fine-tuned SD 1.5 checkpoint)",
     {"_class_name": "DDIMScheduler", "_diffusers_version": "0.42.1", "beta_start": 0.00085, "beta_end": 0.012,
      "beta_schedule": "scaled_linear", "timestep_spacing": "leading", "steps_offset": 1, "prediction_type": "v_prediction",
      "clip_sample": False, "set_alpha_to_one": False, "skip_prk_steps": True, "thresholding": False,
      "dynamic_thresholding_ratio": 0.995, "sample_max_value": 1.0, "trained_betas": None}, 25, [0, 12, 24]),
    ("euler defaults", {"_class_name": "EulerDiscreteScheduler"}, 10, [0, 5, 9]),
    ("euler squaredcos_cap_v2 trailing",
     {"_class_name": "EulerDiscreteScheduler", "beta_schedule": "squaredcos_cap_v2", "timestep_spacing": "trailing"}, 10, [0, 5, 9]),
    ("euler scaled_linear leading v_prediction + offset",
     {"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "timestep_spacing": "leading", "steps_offset": 1, "prediction_type": "v_prediction"}, 10, [0, 5, 9]),
    ("euler zero-SNR trailing v_prediction",
     {"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "timestep_spacing": "trailing", "prediction_type": "v_prediction", "rescale_betas_zero_snr": True}, 10, [0, 5, 9]),
    ("euler original_sample prediction, linspace",
     {"_class_name": "EulerDiscreteScheduler", "prediction_type": "original_sample"}, 7, [0, 3, 6]),
    ("euler karras sigmas without bounds",
     {"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "timestep_spacing": "leading", "steps_offset": 1, "use_karras_sigmas": True}, 10, [0, 5, 9]),
    ("euler final sigma sigma_min",
     {"_class_name": "EulerDiscreteScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
      "final_sigmas_type": "sigma_min"}, 10, [0, 5, 9]),
    ("euler continuous timesteps with epsilon (diffusers ignores them)",
     {"_class_name": "EulerDiscreteScheduler", "timestep_type": "continuous", "prediction_type": "epsilon"}, 10, [0, 9]),
    ("euler SVD-XT scheduler_config.json",
     {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.24.0.dev0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "beta_start": 0.00085, "clip_sample": False, "interpolation_type": "linear", "num_train_timesteps": 1000,
      "prediction_type": "v_prediction", "rescale_betas_zero_snr": False, "set_alpha_to_one": False, "sigma_max": 700.0,
      "sigma_min": 0.002, "skip_prk_steps": True, "steps_offset": 1, "timestep_spacing": "leading",
      "timestep_type": "continuous", "trained_betas": None, "use_karras_sigmas": True}, 25, [0, 12, 24]),
]


def record_diffusers_config_case(name, config, num_inference_steps, step_indices):
    cls = DDIMScheduler if config["_class_name"] == "DDIMScheduler" else EulerDiscreteScheduler
    scheduler = cls.from_config(config)
    scheduler.set_timesteps(num_inference_steps)
    sample, model_output = fixed_inputs()
    timesteps = scheduler.timesteps
    case = {
        "name": name,
        "diffusersConfig": config,
        "numInferenceSteps": num_inference_steps,
        "timesteps": floats(timesteps),
        "initNoiseSigma": float(scheduler.init_noise_sigma),
        "steps": [],
    }
    if cls is EulerDiscreteScheduler:
        case["sigmas"] = floats(scheduler.sigmas)
    for index in step_indices:
        timestep = timesteps[index]
        entry = {"stepIndex": index, "timestep": float(timestep)}
        if cls is EulerDiscreteScheduler:
            scheduler._step_index = index
            entry["scaledModelInput"] = floats(scheduler.scale_model_input(sample.clone(), timestep))
            scheduler._step_index = index
            entry["prevSample"] = floats(scheduler.step(model_output.clone(), timestep, sample.clone()).prev_sample)
        else:
            entry["prevSample"] = floats(scheduler.step(model_output.clone(), int(timestep), sample.clone(), eta=0.0).prev_sample)
        case["steps"].append(entry)
    return case


def timestep_cases():
    """Step counts where numpy's rounding (halves to even) or arange length matter."""
    cases = []
    for kind in ("ddim", "euler"):
        for spacing, counts in (("linspace", (1, 3, 7, 50)), ("leading", (7, 50)), ("trailing", (7, 50, 61))):
            for steps in counts:
                config = make_config(kind, "sd-scaled-linear", spacing)
                cases.append({"config": config, "numInferenceSteps": steps, "timesteps": floats(build(config, steps).timesteps)})
    return cases


# ---------------------------------------------------------------- flow-matching schedulers (DiT video pipelines)

# Wan 2.1 T2V's published scheduler/scheduler_config.json (the fields UniPC reads).
WAN_UNIPC_SCHEDULER_CONFIG = {
    "beta_end": 0.02,
    "beta_schedule": "linear",
    "beta_start": 0.0001,
    "disable_corrector": [],
    "dynamic_thresholding_ratio": 0.995,
    "final_sigmas_type": "zero",
    "flow_shift": 3.0,
    "lower_order_final": True,
    "num_train_timesteps": 1000,
    "predict_x0": True,
    "prediction_type": "flow_prediction",
    "rescale_betas_zero_snr": False,
    "sample_max_value": 1.0,
    "solver_order": 2,
    "solver_p": None,
    "solver_type": "bh2",
    "steps_offset": 0,
    "thresholding": False,
    "timestep_spacing": "linspace",
    "trained_betas": None,
    "use_beta_sigmas": False,
    "use_exponential_sigmas": False,
    "use_flow_sigmas": True,
    "use_karras_sigmas": False,
}


def wan_unipc_config(**overrides):
    return {"kind": "unipc", "numTrainTimesteps": 1000, "predictionType": "flow_prediction", "flowShift": 3.0,
            "solverOrder": 2, "solverType": "bh2", "lowerOrderFinal": True, "disableCorrector": [], **overrides}


def build_flow(config, num_inference_steps):
    if config["kind"] == "unipc":
        scheduler = UniPCMultistepScheduler.from_config(
            WAN_UNIPC_SCHEDULER_CONFIG,
            num_train_timesteps=config["numTrainTimesteps"],
            flow_shift=config["flowShift"],
            solver_order=config["solverOrder"],
            solver_type=config["solverType"],
            lower_order_final=config["lowerOrderFinal"],
            disable_corrector=config["disableCorrector"],
        )
        scheduler.set_timesteps(num_inference_steps)
        return scheduler
    dynamic = config.get("dynamicShift")
    scheduler = FlowMatchEulerDiscreteScheduler(
        num_train_timesteps=config["numTrainTimesteps"],
        shift=config["shift"],
        use_dynamic_shifting=dynamic is not None,
        time_shift_type=dynamic["timeShiftType"] if dynamic else "exponential",
    )
    scheduler.set_timesteps(num_inference_steps, mu=dynamic["mu"] if dynamic else None)
    return scheduler


def record_flow_trajectory(name, config, num_inference_steps):
    """A whole sampling run: the model output at step k is 0.8·x_k + 0.5·cos(0.7·i + k) (float32), as a denoiser's
    output depends on its input; every step's timestep, model output and resulting sample are recorded."""
    scheduler = build_flow(config, num_inference_steps)
    sample, _ = fixed_inputs()
    index = torch.arange(SAMPLE_LENGTH, dtype=torch.float64)
    case = {
        "name": name,
        "config": config,
        "numInferenceSteps": num_inference_steps,
        "timesteps": floats(scheduler.timesteps),
        "sigmas": floats(scheduler.sigmas),
        # FlowMatchEulerDiscreteScheduler has no init_noise_sigma; its pipelines start from unit noise.
        "initNoiseSigma": float(getattr(scheduler, "init_noise_sigma", 1.0)),
        "initialSample": floats(sample),
        "steps": [],
    }
    # UniPC's update contracts over (batch, history, channels...), so the sample carries a batch axis.
    x = sample.clone().reshape(1, SAMPLE_LENGTH)
    for k, timestep in enumerate(scheduler.timesteps):
        model_output = (0.8 * x + 0.5 * torch.cos(0.7 * index + k).to(torch.float32)).to(torch.float32)
        x = scheduler.step(model_output.clone(), timestep, x.clone()).prev_sample
        case["steps"].append({"stepIndex": k, "timestep": float(timestep), "modelOutput": floats(model_output),
                              "prevSample": floats(x)})
    return case


def flow_cases():
    cases = []
    for shift in (1.0, 3.0, 5.0):
        for steps in (10, 30):
            config = {"kind": "flow-match-euler", "numTrainTimesteps": 1000, "shift": shift}
            cases.append(record_flow_trajectory(f"flow-match-euler/shift {shift}/{steps}", config, steps))
    # EasyAnimate's pipeline passes mu = 1 to set_timesteps; it takes effect when the config shifts dynamically.
    for shift_type, mu in (("exponential", 1.0), ("linear", 0.8)):
        config = {"kind": "flow-match-euler", "numTrainTimesteps": 1000, "shift": 1.0,
                  "dynamicShift": {"timeShiftType": shift_type, "mu": mu}}
        cases.append(record_flow_trajectory(f"flow-match-euler/{shift_type} time shift mu {mu}/12", config, 12))
    for steps in (10, 50):
        cases.append(record_flow_trajectory(f"unipc/wan (flow shift 3, order 2, bh2)/{steps}", wan_unipc_config(), steps))
    cases.append(record_flow_trajectory("unipc/flow shift 5/20", wan_unipc_config(flowShift=5.0), 20))
    cases.append(record_flow_trajectory("unipc/order 1/10", wan_unipc_config(solverOrder=1), 10))
    cases.append(record_flow_trajectory("unipc/order 3/12", wan_unipc_config(solverOrder=3), 12))
    cases.append(record_flow_trajectory("unipc/corrector off after steps 0 and 3/10",
                                        wan_unipc_config(disableCorrector=[0, 3]), 10))
    return cases


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    sample, model_output = fixed_inputs()
    fixture = {
        "generator": "tools/reference/scheduler_reference.py",
        "command": "python tools/reference/scheduler_reference.py",
        "versions": {
            "diffusers": diffusers.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "inputs": {
            "description": "sample[i] = float32(sin(i)), modelOutput[i] = float32(cos(i)), i = 0..15",
            "sample": floats(sample),
            "modelOutput": floats(model_output),
        },
        "betaSchedules": [record_beta_schedule(name, settings) for name, settings in BETA_SETTINGS.items()],
        "presets": record_presets(),
        "cases": all_cases(),
        "timestepCases": timestep_cases(),
        "flowPresets": {"wanUnipcSchedulerConfig": WAN_UNIPC_SCHEDULER_CONFIG},
        "flowCases": flow_cases(),
        "diffusersConfigCases": [record_diffusers_config_case(*case) for case in DIFFUSERS_CONFIG_CASES],
    }
    output.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {output} ({len(fixture['cases'])} cases, {len(fixture['flowCases'])} flow trajectories, diffusers {diffusers.__version__})")


if __name__ == "__main__":
    main()
