#!/usr/bin/env python3
"""Generate ai-routes-catalog/src/data.rs from data/bedrock-models.json.

Usage (from anywhere; needs python3 and rustfmt, nothing else, no network):

    python3 ai-routes-catalog/tools/gen_catalog.py              # rewrite src/data.rs
    python3 ai-routes-catalog/tools/gen_catalog.py --check      # exit 1 if src/data.rs is stale
    python3 ai-routes-catalog/tools/gen_catalog.py --out F.rs   # write elsewhere (the freshness test)
    python3 ai-routes-catalog/tools/gen_catalog.py --overrides O.json  # another overrides file
    python3 ai-routes-catalog/tools/gen_catalog.py --billing B.json    # another billing file

``tests/generated.rs`` runs this script into a temporary file and fails when
``src/data.rs`` differs, so the data files and the Rust cannot drift apart.

Updating the catalog (the maintainers' path)
--------------------------------------------
The seed is a research snapshot: the scripts that merged the AWS tables,
LiteLLM, models.dev and langchain-aws into it are not reproducible offline, so
the seed is not rebuilt. Every later change goes into ``data/overrides.json``:

* ``overrides``: ``{"id", "set": {FIELD: VALUE}, "source", "note"}`` corrects
  fields of a seed model (FIELD is a seed field name; unknown ids or fields fail).
* ``add``: ``{"model": {...}, "source", "note"}`` adds a model that is not in the
  seed. ``model`` uses the seed's field names; ``ADD_REQUIRED`` lists the fields
  it must give, every other field defaults to ``null`` (unknown) or empty.

Each override and addition must carry a public ``source``; it is appended to the
model's ``sources`` (and the note to ``confidence_notes``). Then run this script
and commit ``src/data.rs`` with the data files.

Inputs
------
* ``data/bedrock-models.json`` -- the seed catalog (94 models); provenance is
  described in shared/models/README.md and in each entry's ``sources``.
* ``data/reasoning.json`` -- which models reason and how thinking is set
  (``Model::reasoning``), each entry with its source.
* ``data/billing.json`` -- prompt-cache facts (minimum tokens per checkpoint,
  TTLs, cache prices) and service tiers with their prices, per model, each rule
  with its public sources (see its ``_doc``).
* ``data/structured-output.json`` -- native structured output and strict tools
  per model (``native_output``, ``strict_tools``: absent = Unknown), and the
  models that refuse a forced ``toolChoice``, each with its source.
* ``data/overrides.json`` -- curated corrections, each with its own source.
  Every applied override is appended to the model's ``sources`` and
  ``confidence_notes``.

Mapping rules (seed JSON -> Rust ``Model``)
-------------------------------------------
* Capability flags (``converse``, ``converse_stream``, ``system_prompt``,
  ``tool_use``, ``streaming_tool_use``, ``document_chat``, ``vision``,
  ``guardrails``) are a ``Fact``: ``true`` -> ``Yes``, ``false`` -> ``No``,
  ``null`` -> ``Unknown``. Unknown is not false: the compile-time checks warn
  on an unknown capability (naming the gap) and never fail the build on it.
  A confidence note "`FIELD` unknown in the sources (null)" is added.
* ``converse`` / ``converse_stream`` value ``"limited"`` (Cohere Command /
  Command Light) -> ``No`` with a note; both models are EOL anyway.
* ``on_demand: null`` -> ``false`` with a note (availability is then decided by
  ``region_data_known``, which is false when the seed has no Region data).
* ``tool_choice: null`` -> empty slice with ``tool_choice_known = false`` (the
  variants are unknown: a route forcing one warns; at run time none is sent),
  noted.
* ``temperature_range: null`` -> ``None`` (sampling params not accepted).
* ``top_p.supported`` -> ``top_p_supported``;
  ``top_p.mutually_exclusive_with_temperature`` -> ``temperature_top_p_exclusive``.
* Lifecycle is computed from dates when a route is compiled (``Model::lifecycle_on``,
  today's date or ``SOURCE_DATE_EPOCH``), not stored. The generator keeps
  ``legacy_date`` and ``eol_date`` (confirmed dates: past ``eol_date`` the build
  fails), ``litellm_deprecation_date`` as ``reported_eol_date`` when there is no
  confirmed date (one secondary source: it only warns), ``successor`` (the model
  id a route should move to, from a source), and ``undated_status`` for what the
  sources say without a date: ``eol`` without ``eol_date`` -> ``Eol`` (gone, date
  not found), ``eol_or_legacy`` without dates -> ``Legacy``, ``uncertain`` ->
  ``Uncertain``, anything else -> ``Active`` (the dates decide). The seed's
  ``status_as_of_2026_11_24`` and ``deprecated`` are otherwise not used.
* ``price_*: null`` -> ``0.0`` with ``price_known = false`` and a note.
* ``regions``/``inference_profile_only_regions: null`` -> empty slices with
  ``region_data_known = false``.
* ``friendly_names`` = Amplify ``friendly_name`` (``a.ai.model`` name, from
  https://github.com/aws-amplify/amplify-data/blob/e8f46592/packages/data-schema/src/ai/ModelType.ts)
  followed by the human ``name``,
  deduplicated case-insensitively.

Inference-profile source Regions
--------------------------------
The seed JSON lists profile IDs but not the Regions each profile can be
called from. AWS documents these per profile (and they can differ per model
and even per source Region), but the per-model tables were not readable in the
stored copies. So this generator derives them:

1. Each scope (the ID prefix) has a geography: the set of Region codes that
   belong to it (GEOGRAPHY below). Sources:
   - https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html
     and .../geographic-cross-region-inference.html ("requests made within the
     US are kept within the AWS Regions in the US", global = all commercial
     Regions),
   - https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
     (source vs destination Region definitions; profiles can route differently
     per source Region),
   - AWS CDK ``CrossRegionInferenceProfileRegion`` (GLOBAL, US, US_GOV, EU,
     APAC, JP, AU prefixes and example member Regions),
   - https://docs.aws.amazon.com/bedrock/latest/userguide/bda-cris.html
     (example US/EU/APAC source -> destination sets).
2. If the model has Region data in the seed (``regions`` +
   ``inference_profile_only_regions``, from AWS models-supported, where a ``*``
   Region means "reachable only through cross-Region inference"), the
   profile's source Regions are the model's Regions that fall inside the
   profile's geography (for ``global.``: all its commercial Regions).
3. Otherwise (no Region data, or no Region of the model inside the
   geography), the whole geography is used and a confidence note says so.

This is an approximation: confirm with ``ListInferenceProfiles`` /
``GetInferenceProfile`` per Region before relying on it for hard errors.
"""

import argparse
import copy
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
SEED = os.path.join(CRATE, "data", "bedrock-models.json")
OVERRIDES = os.path.join(CRATE, "data", "overrides.json")
REASONING = os.path.join(CRATE, "data", "reasoning.json")
BILLING = os.path.join(CRATE, "data", "billing.json")
STRUCTURED_OUTPUT = os.path.join(CRATE, "data", "structured-output.json")
OUT = os.path.join(CRATE, "src", "data.rs")

CRIS_SOURCE = (
    "inference profile source Regions: derived per geography by tools/gen_catalog.py from "
    "https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html, "
    "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html and "
    "the model's Region lists (models-supported.html)"
)

# Commercial Regions that appear anywhere in the seed data plus the documented
# geography members (af-south-1 etc. are global-only sources).
US = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]
US_GOV = ["us-gov-east-1", "us-gov-west-1"]
EU = [
    "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3",
]
APAC = [
    "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
]
JP = ["ap-northeast-1", "ap-northeast-3"]
AU = ["ap-southeast-2", "ap-southeast-4"]
CA = ["ca-central-1", "ca-west-1"]
OTHER_COMMERCIAL = [
    "af-south-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
]
GLOBAL = sorted(set(US + EU + APAC + CA + OTHER_COMMERCIAL))

# prefix -> (Rust variant, geography)
SCOPES = {
    "us": ("Us", US),
    "us-gov": ("UsGov", US_GOV),
    "eu": ("Eu", EU),
    "apac": ("Apac", APAC),
    "jp": ("Jp", JP),
    "au": ("Au", AU),
    "ca": ("Ca", CA),
    "global": ("Global", GLOBAL),
}

MODALITY = {
    "text": "Text",
    "image": "Image",
    "document": "Document",
    "video": "Video",
    "audio": "Audio",
}
TOOL_CHOICE = {"auto": "Auto", "any": "Any", "tool": "Tool"}
CACHE_TTL = {"5m": "FiveMinutes", "1h": "OneHour"}
SERVICE_TIER = {"flex": "Flex", "priority": "Priority"}
CACHE_FIELDS = {"min_tokens", "ttls", "tools", "read", "write_5m", "write_1h"}
CONFIDENCE = {"high": "High", "medium-high": "MediumHigh", "medium": "Medium", "low": "Low"}
LIFECYCLE = {"active": "Active", "eol": "Eol", "eol_or_legacy": "Legacy", "uncertain": "Uncertain"}


def parse_date(mid, field, value):
    """A ``YYYY-MM-DD`` string as (year, month, day), validated; None stays None."""
    if value is None:
        return None
    try:
        d = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SystemExit("%s: %s is not a YYYY-MM-DD date: %r" % (mid, field, value))
    if len(value) != 10:
        raise SystemExit("%s: %s is not a YYYY-MM-DD date: %r" % (mid, field, value))
    return (d.year, d.month, d.day)


def undated_status(status, legacy_date, eol_date):
    """What the sources say beyond the dates (the dates decide the rest at compile time)."""
    if status == "eol" and eol_date is None:
        return "Eol"  # gone, date not found
    if status == "eol_or_legacy" and legacy_date is None and eol_date is None:
        return "Legacy"
    if status == "uncertain":
        return "Uncertain"
    return "Active"

BOOL_FIELDS = [
    "converse", "converse_stream", "system_prompt", "tool_use", "streaming_tool_use",
    "document_chat", "vision", "guardrails",
]


def rs_str(s):
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def rs_strs(items):
    return "&[" + ", ".join(rs_str(s) for s in items) + "]"


def rs_f64(x):
    r = repr(float(x))
    if "inf" in r or "nan" in r:
        raise SystemExit("non-finite number %r" % x)
    return r


def rs_f32(x):
    return rs_f64(x)


def scope_of(profile_id):
    # longest prefix first so "us-gov." is not read as "us."
    for prefix in sorted(SCOPES, key=len, reverse=True):
        if profile_id.startswith(prefix + "."):
            return prefix, profile_id[len(prefix) + 1:]
    raise SystemExit("profile %r has no known scope prefix" % profile_id)


# Fields an added model must give (the rest default to ADD_DEFAULTS / null).
ADD_REQUIRED = [
    "id", "provider", "name", "input_modalities", "output_modalities",
    "context_window_tokens", "max_output_tokens", "converse_features_confidence", "sources",
]
ADD_DEFAULTS = {
    "friendly_name": None,
    "converse": None, "converse_stream": None, "system_prompt": None, "tool_use": None,
    "streaming_tool_use": None, "document_chat": None, "vision": None, "guardrails": None,
    "tool_choice": None, "tool_choice_notes": [],
    "temperature_range": [0, 1], "temperature_default": None,
    "top_p": {"supported": True, "range": [0, 1], "default": None},
    "regions": None, "inference_profile_only_regions": None, "on_demand": None,
    "regions_source": None, "inference_profiles": [],
    "price_input_per_1k_usd": None, "price_output_per_1k_usd": None, "price_source": None,
    "lifecycle": {
        "status_as_of_2026_11_24": "active", "legacy_date": None, "eol_date": None,
        "note": None, "source": None,
    },
    "deprecated": False,
    "confidence_notes": [],
}


def add_models(models, additions):
    ids = {m["id"] for m in models}
    for add in additions:
        m = add.get("model") or {}
        mid = m.get("id")
        missing = [f for f in ADD_REQUIRED if f not in m]
        if missing:
            raise SystemExit("added model %r lacks %s" % (mid, ", ".join(missing)))
        if not add.get("source"):
            raise SystemExit("added model %r has no source" % mid)
        if mid in ids:
            raise SystemExit("added model %r is already in the catalog; use `overrides`" % mid)
        unknown = sorted(
            set(m) - set(ADD_REQUIRED) - set(ADD_DEFAULTS) - set(OPTIONAL_FIELDS) - SEED_ONLY_FIELDS
        )
        if unknown:
            raise SystemExit("added model %r has unknown fields %s" % (mid, ", ".join(unknown)))
        full = copy.deepcopy(ADD_DEFAULTS)
        full.update(copy.deepcopy(m))
        full["lifecycle"] = dict(ADD_DEFAULTS["lifecycle"], **m.get("lifecycle", {}))
        full["sources"] = list(full["sources"]) + ["added: " + add["source"]]
        full["confidence_notes"] = list(full["confidence_notes"]) + [
            "added to the catalog by data/overrides.json: %s" % add.get("note", "")
        ]
        models.append(full)
        ids.add(mid)


# Fields the seed does not have but overrides and additions may set.
OPTIONAL_FIELDS = {
    # "converse" (default) or "openai_compatible_only": served only on Bedrock's
    # OpenAI-compatible endpoint (bedrock-mantle), not on bedrock-runtime Converse.
    "endpoint": "converse",
    # {profile id: [source Regions]} from a source, instead of the derivation below.
    "inference_profile_source_regions": {},
    # The model id AWS recommends moving to (named in end-of-life errors and warnings).
    "successor": None,
}
ENDPOINT = {"converse": "Converse", "openai_compatible_only": "OpenAiCompatibleOnly"}

# Seed fields the generator does not read but an added model may carry for reference.
SEED_ONLY_FIELDS = {
    "catalog_tier", "amplify_resource_path", "converse_features_source",
    "converse_inference_config_ranges", "default_max_output_tokens",
    "default_max_output_tokens_note", "inference_param_defaults_source",
    "inference_profile_sources", "limits_by_source", "limits_confidence",
    "listed_in_aws_models_supported", "price_models_dev_per_1k_usd", "s3_multimedia_links",
}


def apply_overrides(models, overrides):
    by_id = {m["id"]: m for m in models}
    for ov in overrides:
        m = by_id.get(ov["id"])
        if m is None:
            raise SystemExit("override for unknown model %r" % ov["id"])
        if not ov.get("source"):
            raise SystemExit("override for %r has no source" % ov["id"])
        if not ov.get("set") and not ov.get("note"):
            raise SystemExit("override for %r sets nothing and notes nothing" % ov["id"])
        for k, v in ov.get("set", {}).items():
            if k not in m and k not in OPTIONAL_FIELDS:
                raise SystemExit("override sets unknown field %r on %r" % (k, ov["id"]))
            m[k] = v
        m["sources"] = list(m["sources"]) + ["override: " + ov["source"]]
        if ov.get("set"):
            note = "curated override of %s: %s" % (", ".join(sorted(ov["set"])), ov.get("note", ""))
        else:
            # A note alone: sources disagree and the value stays (marked disputed).
            note = "curated note: " + ov["note"]
        m["confidence_notes"] = list(m["confidence_notes"]) + [note]


def convert(m):
    notes = list(m.get("confidence_notes") or [])
    sources = list(m.get("sources") or [])

    flags = {}
    for f in BOOL_FIELDS:
        v = m.get(f)
        if v is None:
            flags[f] = "Unknown"
            notes.append("`%s` unknown in the sources (null)" % f)
        elif v == "limited":
            flags[f] = "No"
            notes.append("`%s` is 'limited' in the AWS table; mapped to no" % f)
        elif isinstance(v, bool):
            flags[f] = "Yes" if v else "No"
        else:
            raise SystemExit("%s: unexpected %s=%r" % (m["id"], f, v))

    on_demand = m.get("on_demand")
    if on_demand is None:
        notes.append("`on_demand` unknown in seed data (null); mapped to false")
        on_demand = False

    tool_choice = m.get("tool_choice")
    tool_choice_known = tool_choice is not None
    if tool_choice is None:
        notes.append("`tool_choice` variants unknown in the sources (null); none is sent at run time")
        tool_choice = []
    for n in m.get("tool_choice_notes") or []:
        notes.append("tool_choice: " + n)

    regions = m.get("regions")
    profile_only = m.get("inference_profile_only_regions")
    region_data_known = regions is not None or profile_only is not None
    regions = sorted(regions or [])
    profile_only = sorted(profile_only or [])
    if on_demand and not regions:
        raise SystemExit("%s: on_demand but no regions" % m["id"])
    if m.get("regions_source"):
        sources.append("regions: " + m["regions_source"])

    known_regions = set(regions) | set(profile_only)
    profiles = []
    fallback_scopes = []
    sourced = m.get("inference_profile_source_regions") or {}
    for pid in sourced:
        if pid not in (m.get("inference_profiles") or []):
            raise SystemExit("%s: source Regions for unknown profile %r" % (m["id"], pid))
    for pid in m.get("inference_profiles") or []:
        prefix, model_part = scope_of(pid)
        if model_part != m["id"]:
            raise SystemExit("profile %r does not wrap model %r" % (pid, m["id"]))
        variant, geo = SCOPES[prefix]
        if pid in sourced:
            bad = [r for r in sourced[pid] if r not in geo]
            if bad:
                raise SystemExit("%s: Regions %s are outside the %s. geography" % (pid, bad, prefix))
            profiles.append((pid, variant, sorted(sourced[pid])))
            continue
        src = sorted(r for r in known_regions if r in geo)
        if not src:
            src = list(geo)
            fallback_scopes.append(prefix)
        profiles.append((pid, variant, src))
    derived = [p for p in profiles if p[0] not in sourced]
    if sourced:
        notes.append(
            "inference profile source Regions of %s are sourced (see the override), not derived"
            % ", ".join(sorted(sourced))
        )
    if derived:
        sources.append(CRIS_SOURCE)
        if fallback_scopes:
            notes.append(
                "inference profile source Regions for %s. are the whole geography "
                "(no per-model Region data in the seed); verify with ListInferenceProfiles"
                % "., ".join(fallback_scopes)
            )
        else:
            notes.append(
                "inference profile source Regions = the model's listed Regions inside each "
                "profile's geography (approximation; AWS routing can differ per source Region)"
            )

    price_in = m.get("price_input_per_1k_usd")
    price_out = m.get("price_output_per_1k_usd")
    price_known = price_in is not None and price_out is not None
    if not price_known:
        notes.append("price unknown in seed data (null); cost_usd() returns 0 for this model")
        price_in = price_in or 0.0
        price_out = price_out or 0.0
    if m.get("price_source"):
        sources.append("price: " + m["price_source"])

    lc = m["lifecycle"]
    if lc["status_as_of_2026_11_24"] not in LIFECYCLE:
        raise SystemExit("%s: unknown lifecycle status %r" % (m["id"], lc["status_as_of_2026_11_24"]))
    legacy_date = parse_date(m["id"], "legacy_date", lc.get("legacy_date"))
    eol_date = parse_date(m["id"], "eol_date", lc.get("eol_date"))
    if legacy_date and eol_date and legacy_date > eol_date:
        raise SystemExit("%s: legacy_date after eol_date" % m["id"])
    reported = None
    if eol_date is None:
        reported = parse_date(m["id"], "litellm_deprecation_date", lc.get("litellm_deprecation_date"))
        if reported:
            notes.append(
                "lifecycle: end of life %04d-%02d-%02d is reported by LiteLLM (deprecation_date) only: "
                "a route warns within 60 days of it, the build never fails on it" % reported
            )
    if lc.get("note"):
        notes.append("lifecycle: " + lc["note"])
    if lc.get("source"):
        sources.append("lifecycle: " + lc["source"])

    names = []
    for n in [m.get("friendly_name"), m["name"]]:
        if n and n.lower() not in [x.lower() for x in names]:
            names.append(n)

    tr = m.get("temperature_range")
    top_p = m.get("top_p") or {}
    top_p_range = top_p.get("range") if top_p.get("supported") else None

    return {
        "id": m["id"],
        "endpoint": ENDPOINT[m.get("endpoint", "converse")],
        "provider": m["provider"],
        "name": m["name"],
        "friendly_names": names,
        "amplify_name": m.get("friendly_name"),
        "input": [MODALITY[x] for x in m["input_modalities"]],
        "output": [MODALITY[x] for x in m["output_modalities"]],
        "flags": flags,
        "tool_choice": [TOOL_CHOICE[x] for x in tool_choice],
        "tool_choice_known": tool_choice_known,
        "features_confidence": CONFIDENCE[m["converse_features_confidence"]],
        "context_window": int(m["context_window_tokens"]),
        "max_output_tokens": int(m["max_output_tokens"]),
        "temperature_range": tr,
        "temperature_default": m.get("temperature_default"),
        "top_p_supported": bool(top_p.get("supported")),
        "top_p_range": top_p_range,
        "top_p_default": top_p.get("default") if top_p.get("supported") else None,
        "exclusive": bool(top_p.get("mutually_exclusive_with_temperature")),
        "on_demand": bool(on_demand),
        "regions": regions,
        "profile_only": profile_only,
        "region_data_known": region_data_known,
        "profiles": profiles,
        "price_in": price_in,
        "price_out": price_out,
        "price_known": price_known,
        "undated_status": undated_status(lc["status_as_of_2026_11_24"], legacy_date, eol_date),
        "legacy_date": legacy_date,
        "eol_date": eol_date,
        "reported_eol_date": reported,
        "successor": m.get("successor"),
        "sources": sources,
        "notes": notes,
    }


REASONING_CONTROL = {
    "budget": "AnthropicBudget", "adaptive": "AnthropicAdaptive", "openai_effort": "OpenAiEffort",
    "qwen_config": "QwenConfig", "nova_effort": "NovaEffort", "always_on": "AlwaysOn",
}
EFFORT = {"low": "Low", "medium": "Medium", "high": "High", "max": "Max"}


def load_reasoning(models, strict, path=REASONING):
    """data/reasoning.json: {model id: facts}; every id must be in the catalog (with
    another overrides file, ids of models it does not add are skipped), and listed once."""
    with open(path) as fh:
        doc = json.load(fh)
    ids = {m["id"] for m in models}
    out = {}
    for entry in doc["models"]:
        if not entry.get("source"):
            raise SystemExit("reasoning entry for %s has no source" % entry.get("ids"))
        control = entry["control"]
        if control not in REASONING_CONTROL:
            raise SystemExit("reasoning: unknown control %r" % control)
        for e in entry["efforts"]:
            if e not in EFFORT:
                raise SystemExit("reasoning: unknown effort %r" % e)
        if (control == "budget") != (entry["min_budget_tokens"] > 0):
            raise SystemExit("reasoning: min_budget_tokens is for (and required by) budget control")
        if entry["can_disable"] is False and entry["on_by_default"] is False:
            raise SystemExit("reasoning: a model that cannot disable thinking must think by default")
        for mid in entry["ids"]:
            if mid not in ids:
                if strict:
                    raise SystemExit("reasoning: unknown model %r" % mid)
                continue
            if mid in out:
                raise SystemExit("reasoning: %r listed twice" % mid)
            out[mid] = entry
    return out


def emit_reasoning(entry):
    if entry is None:
        return "None"
    return (
        "Some(ReasoningFacts { control: ReasoningControl::%s, efforts: &[%s], on_by_default: %s, "
        "can_disable: %s, min_budget_tokens: %d, signed: %s })"
        % (
            REASONING_CONTROL[entry["control"]],
            ", ".join("Effort::" + EFFORT[e] for e in entry["efforts"]),
            "true" if entry["on_by_default"] else "false",
            "true" if entry["can_disable"] else "false",
            entry["min_budget_tokens"],
            "true" if entry["signed"] else "false",
        )
    )


def price(per_1k, factor):
    # Rounded so that 0.003 * 0.1 is written 0.0003, not 0.00030000000000000003.
    return round(per_1k * factor, 12)


def apply_billing(models, doc):
    """Adds `prompt_cache` and `service_tiers` from data/billing.json to converted models.

    Rules apply in file order; a later rule overrides the fields it gives (so a rule can
    correct one price of models an earlier rule described). Factors become USD per 1,000
    tokens here, from the model's own list prices."""
    by_id = {m["id"]: m for m in models}
    cache = {}
    for rule in doc.get("prompt_cache", []):
        if not rule.get("sources"):
            raise SystemExit("billing.json: a prompt_cache rule without sources")
        unknown = set(rule) - CACHE_FIELDS - {"models", "sources"}
        if unknown:
            raise SystemExit("billing.json: unknown prompt_cache fields %s" % sorted(unknown))
        for mid in rule["models"]:
            if mid not in by_id:
                raise SystemExit("billing.json: unknown model %r" % mid)
            entry = cache.setdefault(mid, {"sources": []})
            entry.update({k: v for k, v in rule.items() if k in CACHE_FIELDS})
            entry["sources"] += rule["sources"]
    for mid, entry in cache.items():
        m = by_id[mid]
        missing = CACHE_FIELDS - {"write_1h"} - set(entry)
        if missing:
            raise SystemExit("billing.json: %s lacks %s" % (mid, sorted(missing)))
        if ("1h" in entry["ttls"]) != ("write_1h" in entry):
            raise SystemExit("billing.json: %s: a 1h TTL needs a write_1h price and vice versa" % mid)
        per_1k = m["price_in"]
        m["prompt_cache"] = {
            "min_tokens": int(entry["min_tokens"]),
            "ttls": [CACHE_TTL[t] for t in entry["ttls"]],
            "tools": bool(entry["tools"]),
            "read": price(per_1k, entry["read"]),
            "write_5m": price(per_1k, entry["write_5m"]),
            "write_1h": price(per_1k, entry["write_1h"]) if "write_1h" in entry else None,
        }
        m["sources"] = m["sources"] + ["prompt caching: " + x for x in entry["sources"]]
        if not m["price_known"]:
            m["notes"] = m["notes"] + ["cache prices are 0: the model's input price is unknown"]
    for rule in doc.get("service_tiers", []):
        if not rule.get("sources"):
            raise SystemExit("billing.json: a service_tiers rule without sources")
        for mid in rule["models"]:
            if mid not in by_id:
                raise SystemExit("billing.json: unknown model %r" % mid)
            m = by_id[mid]
            m["service_tiers"] = [
                (SERVICE_TIER[tier], price(m["price_in"], factor), price(m["price_out"], factor))
                for tier, factor in rule["tiers"].items()
            ]
            m["sources"] = m["sources"] + ["service tiers: " + x for x in rule["sources"]]


def apply_structured_output(models, doc, all_ids_present):
    """`native_output` and `strict_tools` (Fact names) on every converted model, from
    data/structured-output.json; absent means Unknown. Each source and note is cited.
    With another overrides file (``all_ids_present`` false), the models that only
    data/overrides.json adds are absent and skipped."""
    by_id = {m["id"]: m for m in models}
    for m in models:
        m["native_output"] = "Unknown"
        m["strict_tools"] = "Unknown"
    fact = {True: "Yes", False: "No"}
    for entry in doc["entries"]:
        if not entry.get("source"):
            raise SystemExit("structured-output entry %r has no source" % entry["ids"])
        for mid in entry["ids"]:
            if mid not in by_id:
                if not all_ids_present:
                    continue
                raise SystemExit("structured-output: unknown model id %r" % mid)
            m = by_id[mid]
            for field in ("native_output", "strict_tools"):
                if field in entry:
                    m[field] = fact[entry[field]]
            m["sources"].append("structured output: " + entry["source"])
            if entry.get("note"):
                m["notes"].append("structured output: " + entry["note"])
    for entry in doc["forced_tool_refused"]:
        for mid in entry["ids"]:
            m = by_id.get(mid)
            if m is None:
                raise SystemExit("forced_tool_refused: unknown model id %r" % mid)
            if m["tool_choice"] != ["Auto"]:
                raise SystemExit("forced_tool_refused: %s must accept only toolChoice auto (has %r)" % (mid, m["tool_choice"]))
            m["sources"].append("forced tool choice refused: " + entry["source"])
            m["notes"].append("tool_choice: `any` and `tool` refused by Bedrock (recorded), only `auto` is sent")


def opt_str(s):
    return "None" if s is None else "Some(%s)" % rs_str(s)


def opt_date(d):
    return "None" if d is None else "Some(Date::ymd(%d, %d, %d))" % d


def opt_pair(p):
    if p is None:
        return "None"
    return "Some((%s, %s))" % (rs_f32(p[0]), rs_f32(p[1]))


def opt_f32(x):
    return "None" if x is None else "Some(%s)" % rs_f32(x)


def emit(models):
    out = []
    w = out.append
    w("// @generated by tools/gen_catalog.py, do not edit.")
    w("// Source: data/bedrock-models.json (+ data/overrides.json).")
    w("// Regenerate: python3 ai-routes-catalog/tools/gen_catalog.py")
    w("")
    w("use crate::{")
    w("    CacheTtl, Confidence, Date, Effort, Endpoint, Fact, InferenceProfile, Lifecycle, Modality, Model,")
    w("    ProfileScope, PromptCache, ReasoningControl, ReasoningFacts, ServiceTier, TierPrice, ToolChoiceMode,")
    w("};")
    w("")
    w("/// Every model in the catalog, in seed-file order.")
    w("pub(crate) static MODELS: &[Model] = &[")
    for c in models:
        f = c["flags"]
        w("    Model {")
        w("        id: %s," % rs_str(c["id"]))
        w("        provider: %s," % rs_str(c["provider"]))
        w("        name: %s," % rs_str(c["name"]))
        w("        friendly_names: %s," % rs_strs(c["friendly_names"]))
        w("        amplify_name: %s," % opt_str(c["amplify_name"]))
        w("        endpoint: Endpoint::%s," % c["endpoint"])
        w("        input_modalities: &[%s]," % ", ".join("Modality::" + x for x in c["input"]))
        w("        output_modalities: &[%s]," % ", ".join("Modality::" + x for x in c["output"]))
        for k in BOOL_FIELDS:
            w("        %s: Fact::%s," % (k, f[k]))
        w("        tool_choice: &[%s]," % ", ".join("ToolChoiceMode::" + x for x in c["tool_choice"]))
        w("        tool_choice_known: %s," % ("true" if c["tool_choice_known"] else "false"))
        w("        features_confidence: Confidence::%s," % c["features_confidence"])
        w("        context_window: %d," % c["context_window"])
        w("        max_output_tokens: %d," % c["max_output_tokens"])
        w("        temperature_range: %s," % opt_pair(c["temperature_range"]))
        w("        temperature_default: %s," % opt_f32(c["temperature_default"]))
        w("        top_p_supported: %s," % ("true" if c["top_p_supported"] else "false"))
        w("        top_p_range: %s," % opt_pair(c["top_p_range"]))
        w("        top_p_default: %s," % opt_f32(c["top_p_default"]))
        w("        temperature_top_p_exclusive: %s," % ("true" if c["exclusive"] else "false"))
        w("        on_demand: %s," % ("true" if c["on_demand"] else "false"))
        w("        regions: %s," % rs_strs(c["regions"]))
        w("        profile_only_regions: %s," % rs_strs(c["profile_only"]))
        w("        region_data_known: %s," % ("true" if c["region_data_known"] else "false"))
        w("        inference_profiles: &[")
        for pid, variant, src in c["profiles"]:
            w("            InferenceProfile {")
            w("                id: %s," % rs_str(pid))
            w("                scope: ProfileScope::%s," % variant)
            w("                model_id: %s," % rs_str(c["id"]))
            w("                source_regions: %s," % rs_strs(src))
            w("            },")
        w("        ],")
        w("        price_input_per_1k_usd: %s," % rs_f64(c["price_in"]))
        w("        price_output_per_1k_usd: %s," % rs_f64(c["price_out"]))
        w("        price_known: %s," % ("true" if c["price_known"] else "false"))
        w("        undated_status: Lifecycle::%s," % c["undated_status"])
        w("        legacy_date: %s," % opt_date(c["legacy_date"]))
        w("        eol_date: %s," % opt_date(c["eol_date"]))
        w("        reported_eol_date: %s," % opt_date(c["reported_eol_date"]))
        w("        successor: %s," % opt_str(c["successor"]))
        w("        sources: &[")
        for s in c["sources"]:
            w("            %s," % rs_str(s))
        w("        ],")
        w("        confidence_notes: &[")
        for s in c["notes"]:
            w("            %s," % rs_str(s))
        w("        ],")
        w("        reasoning: %s," % emit_reasoning(c["reasoning"]))
        pc = c.get("prompt_cache")
        if pc is None:
            w("        prompt_cache: None,")
        else:
            w("        prompt_cache: Some(PromptCache {")
            w("            min_tokens: %d," % pc["min_tokens"])
            w("            ttls: &[%s]," % ", ".join("CacheTtl::" + t for t in pc["ttls"]))
            w("            tool_checkpoints: %s," % ("true" if pc["tools"] else "false"))
            w("            read_per_1k_usd: %s," % rs_f64(pc["read"]))
            w("            write_5m_per_1k_usd: %s," % rs_f64(pc["write_5m"]))
            w("            write_1h_per_1k_usd: %s," % ("None" if pc["write_1h"] is None else "Some(%s)" % rs_f64(pc["write_1h"])))
            w("        }),")
        w("        service_tiers: &[")
        for tier, price_in, price_out in c.get("service_tiers", []):
            w("            TierPrice {")
            w("                tier: ServiceTier::%s," % tier)
            w("                input_per_1k_usd: %s," % rs_f64(price_in))
            w("                output_per_1k_usd: %s," % rs_f64(price_out))
            w("            },")
        w("        ],")
        w("        native_output: Fact::%s," % c["native_output"])
        w("        strict_tools: Fact::%s," % c["strict_tools"])
        w("    },")
    w("];")
    w("")
    return "\n".join(out)


def rustfmt(text):
    # The output must be byte-identical wherever it is generated (the freshness test
    # compares it), so a missing rustfmt is an error, not a silent unformatted write.
    try:
        p = subprocess.run(
            [os.environ.get("RUSTFMT", "rustfmt"), "--edition", "2021", "--emit", "stdout", "--quiet"],
            input=text.encode(),
            capture_output=True,
            check=True,
        )
        return p.stdout.decode()
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit("rustfmt failed or is not installed (%s); install it with `rustup component add rustfmt`" % e)


def build(overrides_path=OVERRIDES, billing_path=BILLING):
    """The generated Rust source for the seed plus the overrides file."""
    with open(SEED) as fh:
        seed = json.load(fh)
    with open(overrides_path) as fh:
        doc = json.load(fh)
    add_models(seed, doc.get("add", []))
    apply_overrides(seed, doc.get("overrides", []))
    reasoning = load_reasoning(seed, strict=os.path.abspath(overrides_path) == OVERRIDES)
    models = [convert(m) for m in seed]
    for m in models:
        entry = reasoning.get(m["id"])
        m["reasoning"] = entry
        if entry is not None:
            m["sources"].append("reasoning: " + entry["source"])
    with open(billing_path) as fh:
        apply_billing(models, json.load(fh))
    with open(STRUCTURED_OUTPUT) as fh:
        apply_structured_output(models, json.load(fh), overrides_path == OVERRIDES)

    ids = [m["id"] for m in models]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate model ids")
    for m in models:
        if m["successor"] is not None and m["successor"] not in ids:
            raise SystemExit("%s: successor %r is not in the catalog" % (m["id"], m["successor"]))
        if m["successor"] == m["id"]:
            raise SystemExit("%s is its own successor" % m["id"])
    return rustfmt(emit(models)), len(models)


def main():
    ap = argparse.ArgumentParser(description="Generate src/data.rs from the catalog data files.")
    ap.add_argument("--check", action="store_true", help="exit 1 if src/data.rs is stale")
    ap.add_argument("--out", default=OUT, help="where to write (default: src/data.rs)")
    ap.add_argument("--overrides", default=OVERRIDES, help="overrides file (default: data/overrides.json)")
    ap.add_argument("--billing", default=BILLING, help="billing facts file (default: data/billing.json)")
    args = ap.parse_args()

    text, count = build(args.overrides, args.billing)
    if args.check:
        with open(OUT) as fh:
            if fh.read() != text:
                sys.stderr.write("src/data.rs is stale; run tools/gen_catalog.py\n")
                sys.exit(1)
        return
    with open(args.out, "w") as fh:
        fh.write(text)
    print("wrote %s (%d models)" % (args.out, count))


if __name__ == "__main__":
    main()
