"""Records which steps DeepCache's own non-uniform schedule makes full, for test fixtures.

Runs the `sample_from_quad_center` function shipped in the `deepcache` package (PyPI, 0.1.1) without importing
the package's pipelines (they need a matching diffusers): the function is taken from the installed source with
`ast` and executed on its own. Usage: python tools/reference/deepcache_schedule_reference.py > test/fixtures/deepcache-schedule-reference.json
"""
import ast
import importlib.util
import json
import pathlib
import sys
import warnings

import numpy as np

spec = importlib.util.find_spec("DeepCache")
source_path = pathlib.Path(spec.submodule_search_locations[0]) / "sd" / "pipeline_stable_diffusion.py"
tree = ast.parse(source_path.read_text())
function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "sample_from_quad_center")
namespace = {"np": np}
exec(compile(ast.Module(body=[function], type_ignores=[]), str(source_path), "exec"), namespace)
sample_from_quad_center = namespace["sample_from_quad_center"]

cases = []
for steps, interval, center, power in [
    (50, 2, 15, 1.4), (50, 3, 15, 1.4), (50, 5, 15, 1.4), (25, 2, 8, 1.4), (25, 3, 8, 1.4),
    (20, 2, 6, 1.4), (8, 2, 2, 1.4), (30, 4, 10, 1.6), (50, 2, 25, 1.2), (10, 3, 3, 1.4),
]:
    count = steps // interval + (1 if steps % interval else 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            indices, final_power = sample_from_quad_center(steps, count, center=center, pow=power)
        cases.append({"steps": steps, "interval": interval, "center": center, "power": power,
                      "fullSteps": [int(i) for i in indices], "finalPower": float(final_power)})
    except ValueError as error:
        cases.append({"steps": steps, "interval": interval, "center": center, "power": power, "error": str(error)})

json.dump({"source": "deepcache==0.1.1 DeepCache/sd/pipeline_stable_diffusion.py sample_from_quad_center",
           "numpy": np.__version__, "cases": cases}, sys.stdout, indent=1)
print()
