#!/usr/bin/env python3
"""Writes docs/schema/{nca,fit,summary}.schema.json (JSON Schema draft 2020-12) from the column lists below.

The column lists restate the writers' (NCARegistry, FitTable, CohortSummary, DoseExposure); the tests in
Tests/CARKineticsTests/Report/JSONSchemaTests.swift fail when an output has a column the schema does not
declare, so a new column means a new line here, a rerun, and a new schema version when the layout changes.
"""
import json
import os

BASE = "https://carkinetics.example/schema"
NUM = r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"

COMMON_DEFS = {
    "number": {
        "description": "A JSON number; null when empty; NaN and infinities as these strings (JSON has none).",
        "anyOf": [{"type": ["number", "null"]}, {"enum": ["NaN", "Infinity", "-Infinity"]}],
    },
    "integer": {"type": ["integer", "null"]},
    "count": {"type": "integer"},
    "text": {"type": ["string", "null"]},
    "timeUnit": {"enum": ["min", "h", "day", "week"]},
    "generator": {
        "type": "object",
        "required": ["name", "version"],
        "properties": {"name": {"const": "CARKinetics"}, "version": {"type": "string"}},
        "additionalProperties": False,
    },
    "units": {
        "description": "Unit of each field that has one, PP spelling (day*copies/ug, 1/h, %); fields without a unit are absent.",
        "type": "object",
        "additionalProperties": {"type": "string"},
    },
}


def ref(name):
    return {"$ref": f"#/$defs/{name}"}


def envelope(kind, title, row_defs, row_ref, description):
    schema_id = f"{BASE}/{kind}/1"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": title,
        "description": description,
        "type": "object",
        "required": ["generator", "schema", "units", "rows"],
        "properties": {
            "generator": ref("generator"),
            "schema": {"const": schema_id},
            "units": ref("units"),
            "rows": {"type": "array", "items": row_ref},
        },
        "additionalProperties": False,
        "$defs": {**COMMON_DEFS, **row_defs},
    }


def row(columns, patterns=None, additional=False, description=None):
    out = {"type": "object"}
    if description:
        out["description"] = description
    out["required"] = [name for name, _ in columns]
    out["properties"] = {name: ref(kind) if isinstance(kind, str) else kind for name, kind in columns}
    if patterns:
        out["patternProperties"] = {p: ref(k) if isinstance(k, str) else k for p, k in patterns.items()}
    out["additionalProperties"] = additional
    return out


GROUP = {"type": "string", "description": "A --group / --profile-by column (its value as text)."}

# pkfit nca: subject, groups, the registry's columns (interval columns by pattern: they follow --interval).
nca_columns = [("subject", {"type": "string"})]
nca_columns += [(c, "number") for c in ["cmax", "tmax", "clast", "tlast", "auclast"]]
nca_columns += [(c, "number") for c in ["lambda_z", "half_life", "r2adj"]]
nca_columns += [("lambda_z_points", "integer"), ("aucinf_obs", "number")]
nca_columns += [(c, "number") for c in [
    "r2", "lambda_z_time_first", "lambda_z_time_last", "span_ratio", "clast_pred", "aucpext_obs", "aucall", "tlag"]]
nca_columns += [(c, "count") for c in ["n_quantifiable", "n_blq", "n_missing"]]
nca_columns += [(c, "text") for c in ["lambda_z_excluded_by", "aucinf_excluded_by"]]
nca_columns += [("lambda_z_rule", {"enum": ["best-fit", "manual-range", "manual-exclusion"]}), ("lambda_z_reason", "text")]
nca_columns += [("unit", "text"), ("time_unit", "timeUnit"), ("notes", "text")]
window = f"auc_{NUM}_{NUM}"
nca_patterns = {
    f"^{window}$": "number",
    f"^{window}_extrap$": "number",
    f"^{window}_end$": {"enum": ["observed", "interpolated", "extrapolated", "truncated", None]},
    f"^{window}_n$": "count",
}
nca = envelope(
    "nca", "pkfit nca --format json",
    {"row": row(nca_columns, nca_patterns, GROUP, "One profile: subject, group columns, NCA parameters (docs/nca-rules.md).")},
    ref("row"),
    "NCA results, one row per profile. Interval columns auc_A_B, auc_A_B_extrap, auc_A_B_end, auc_A_B_n follow --interval; other extra members are group columns.")

# pkfit fit: FitTable.
params = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
fit_columns = [("subject", {"type": "string"}), ("model", {"type": "string"}), ("status", {"type": "string"}), ("n", "count")]
fit_columns += [(p, "number") for p in params]
fit_columns += [(c, "number") for c in ["ssr", "residual_sd", "aic", "bic"]]
fit_columns += [("blq_method", {"type": "string"}), ("minus2ll", "number"), ("sigma", "number"), ("n_blq_used", "count")]
fit_columns += [(f"se_{p}", "number") for p in params]
for p in params:
    fit_columns += [(f"{p}_lower95", "number"), (f"{p}_upper95", "number")]
fit_columns += [(c, "number") for c in ["doubling_time", "contraction_half_life", "persistence_half_life"]]
fit_columns += [(c, "count") for c in ["iterations", "evaluations", "n_blq_not_used", "n_missing_not_used", "n_preinfusion_not_used"]]
fit_columns += [("time_unit", "timeUnit"), ("note", "text")]
fit = envelope(
    "fit", "pkfit fit --format json",
    {"row": row(fit_columns, {f"^auc_0_{NUM}_model$": "number"},
                {"anyOf": [GROUP, ref("number")]},
                "One subject's fit (FitTable). Extra members: group columns (text) and the parameters of a --formula model with their se_/_lower95/_upper95 (numbers).")},
    ref("row"),
    "Per-subject model fits. Model areas auc_0_B_model follow the NCA windows.")

# pkfit summary: CohortSummary.table, or DoseExposure.table with --dose.
stats = [("parameter", {"type": "string"})] + [(c, "count") for c in ["n_subjects", "n", "n_missing", "n_excluded", "n_nonpositive"]]
stats += [(c, "number") for c in ["mean", "sd", "cv_percent", "geometric_mean", "geometric_cv_percent", "median", "min", "max", "q1", "q3"]]
stats += [("time_unit", "timeUnit")]
dose = [("parameter", {"type": "string"}), ("n", "count"), ("n_excluded", "count")]
dose += [(c, "number") for c in ["intercept", "slope", "slope_se", "confidence_level", "slope_lower", "slope_upper"]]
summary = envelope(
    "summary", "pkfit summary --format json",
    {
        "statisticsRow": row(stats, None, GROUP, "One group x parameter: descriptive statistics in the parameter's unit (units are keyed by parameter)."),
        "doseExposureRow": row(dose, None, False, "One parameter's power-model fit (--dose)."),
    },
    {"anyOf": [ref("statisticsRow"), ref("doseExposureRow")]},
    "Cohort summaries. units maps each parameter (the rows' parameter values) to the unit of its statistics; the dose-exposure table (--dose) states none.")

root = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schema")
for name, schema in [("nca", nca), ("fit", fit), ("summary", summary)]:
    with open(os.path.join(root, f"{name}.schema.json"), "w") as f:
        json.dump(schema, f, indent=2, ensure_ascii=False)
        f.write("\n")
