#!/usr/bin/env python3
"""Writes docs/schema/{nca,fit,summary,popfit,popfit-individual,response,persistence,validate}.schema.json (JSON Schema draft 2020-12) from the column lists below.

The column lists restate the writers' (NCARegistry, FitTable, CohortSummary, DoseExposure, PopulationTable, ResponseTables, NISTValidation); the tests in
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

# pkfit popfit: PopulationTable.estimates. Parameter rows are generic (tv_<p>, omega_<p>, corr_<p>_<q>, sigma,
# covariate effects, se_method, ...): the parameter is a value, not a key, so any name is accepted.
popfit = envelope(
    "popfit", "pkfit popfit --format json",
    {"row": row([("parameter", {"type": "string"}), ("estimate", {"anyOf": [ref("number"), ref("text")]}),
                 ("se", "number"), ("rse_percent", "number"), ("lower95", "number"), ("upper95", "number")],
                None, False,
                "One estimate (tv_<p>, omega_<p>, corr_<p>_<q>, sigma, covariate effects) or statistic (minus2ll, aic, bic, n_subjects, n_observations, n_blq, shrinkage_eta_<p>, shrinkage_epsilon, condition_number, minus2ll_laplace) with se, rse_percent and its 95% interval (empty for statistics), or a text row (minus2ll_method, status, notes) whose estimate is text.")},
    ref("row"),
    "Population (NLME) estimates, one row per quantity. units maps each typical value tv_<p> to the unit of its estimate, se, lower95 and upper95 (rse_percent is %); random-effect variances and correlations, sigma (log scale), likelihoods and counts have none.")

# pkfit popfit --individual FILE.json: PopulationTable.individuals.
individual_columns = [("subject", {"type": "string"})]
individual_columns += [(c, "number") for c in ["model_cmax", "model_tmax", "model_auc_0_28", "model_auc_0_90"]]
individual_columns += [(c, "count") for c in ["n_used", "n_censored", "n_blq_dropped", "n_missing", "n_preinfusion"]]
popfit_individual = envelope(
    "popfit-individual", "pkfit popfit --individual FILE.json",
    {"row": row(individual_columns, {"^eta_[A-Za-z_][A-Za-z0-9_]*$": "number"}, {"anyOf": [GROUP, ref("number")]},
                "One subject: conditional modes eta_<p>, individual parameters <p> (extra members, numbers), model Cmax/Tmax/AUCs and sample counts.")},
    ref("row"),
    "Per-subject results of a population fit; units by column.")

# pkfit response: ResponseTables.comparison.
response_columns = [("parameter", {"type": "string"}), ("n_responders", "count"), ("n_nonresponders", "count")]
response_columns += [(c, "number") for c in [
    "geometric_mean_responders", "geometric_mean_nonresponders", "gmr", "gmr_lower90", "gmr_upper90",
    "mann_whitney_u", "mann_whitney_p", "logit_intercept", "logit_slope", "logit_slope_se", "logit_slope_lower95",
    "logit_slope_upper95", "logit_lr_p", "odds_ratio_per_doubling"]]
response_columns += [("logit_method", "text"), ("n_excluded", "count"), ("n_response_missing", "count"),
                     ("gmr_df", "number"), ("mann_whitney_method", "text"), ("logit_note", "text"), ("time_unit", "timeUnit")]
response = envelope(
    "response", "pkfit response --format json",
    {"row": row(response_columns, None, GROUP, "One group x parameter: responders against non-responders.")},
    ref("row"),
    "Exposure-response comparisons. units maps each parameter (the rows' parameter values) to the unit of its geometric means; ratios, U, p-values and the logistic coefficients (per doubling) have none.")

# pkfit persistence: ResponseTables.persistence.
persistence_columns = [("n", "count"), ("n_events", "count")]
persistence_columns += [(c, "number") for c in ["median", "median_lower95", "median_upper95", "logrank_p"]]
persistence_columns += [("n_censored", "count"), ("n_not_evaluable", "count"), ("logrank_chisq", "number"),
                        ("logrank_df", "integer"), ("time_unit", "timeUnit")]
persistence = envelope(
    "persistence", "pkfit persistence --format json",
    {"row": row(persistence_columns, {f"^survival_{NUM}$": "number"}, GROUP,
                "One group: Kaplan-Meier median persistence (Infinity = not reached) with its 95% interval, survival at fixed days (survival_<t>, t in the output time unit), the log-rank test.")},
    ref("row"),
    "Persistence of the CAR-T signal by group; units by column (the medians).")

# pkfit validate nist DIR --json FILE: NISTValidation.estimatesJSON (not a table).
validate_id = f"{BASE}/validate/1"
numbers = {"type": "array", "items": ref("number")}
validate = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": validate_id,
    "title": "pkfit validate nist DIR --json FILE",
    "description": "Estimates of the NIST StRD nonlinear problems, parameters in file order, full precision: an array per problem, or an object of arrays per starting point (start1, start2). The problems are unitless, so units is empty.",
    "type": "object",
    "required": ["generator", "schema", "units", "estimates"],
    "properties": {
        "generator": ref("generator"),
        "schema": {"const": validate_id},
        "units": {"type": "object", "additionalProperties": False},
        "estimates": {"type": "object", "additionalProperties": {"anyOf": [
            numbers, {"type": "object", "patternProperties": {"^start[0-9]+$": numbers}, "additionalProperties": False}]}},
    },
    "additionalProperties": False,
    "$defs": COMMON_DEFS,
}

root = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schema")
for name, schema in [("nca", nca), ("fit", fit), ("summary", summary), ("popfit", popfit),
                     ("popfit-individual", popfit_individual), ("response", response),
                     ("persistence", persistence), ("validate", validate)]:
    with open(os.path.join(root, f"{name}.schema.json"), "w") as f:
        json.dump(schema, f, indent=2, ensure_ascii=False)
        f.write("\n")
