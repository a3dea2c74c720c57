#!/usr/bin/env python3
"""Draft `add` entries for data/overrides.json from LiteLLM's model table.

Usage:

    pip download litellm==VERSION --no-deps -d /tmp/litellm
    unzip -o /tmp/litellm/litellm-*.whl 'litellm/model_prices_and_context_window_backup.json' -d /tmp/litellm
    python3 ai-routes-catalog/tools/litellm_additions.py \\
        /tmp/litellm/litellm/model_prices_and_context_window_backup.json VERSION \\
        'openai.gpt-6-sol=GPT-6 Sol=OpenAI' 'zai.glm-5=GLM-5=Z.ai' > /tmp/add.json

Prints a JSON list of `add` entries (seed field names) for the given
`MODEL_ID=NAME=PROVIDER` triples. The maintainer reviews them, adds what better
sources say (an AWS model card beats LiteLLM; put both in `confidence_notes`
when they disagree) and pastes them into `data/overrides.json` under `add`.

Mapping (LiteLLM -> seed fields), all marked low confidence:

* The bare id's `bedrock_converse` entry (else the `global.` one, else `us.`)
  gives limits, prices (USD per token * 1000) and `supports_*` flags.
* `supports_function_calling` -> `tool_use`; `supports_vision` -> `vision`
  (+ `image` input); `supports_system_messages` -> `system_prompt`;
  `supports_pdf_input` -> `document_chat`. Absent flags stay null (unknown).
* `supports_tool_choice` does not say which `toolChoice` variants work, so
  `tool_choice` stays null (unknown) with a note.
* `converse` is true (LiteLLM serves the id through `bedrock_converse`);
  `converse_stream`, `streaming_tool_use` and `guardrails` stay unknown.
* Region-prefixed entries (`bedrock/REGION/ID`, from the AWS price list), and
  us-east-1 when the bare id's entry cites the us-east-1 price list, give the
  on-demand `regions`; without them Region data stays unknown.
* `us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.`, `global.` entries
  served through `bedrock_converse` become `inference_profiles` (other
  prefixes, e.g. `in.`, are reported in a note: the catalog has no such scope).
* `deprecation_date` -> `lifecycle.litellm_deprecation_date` (one secondary
  source: warns near the date, never fails a build).
"""

import json
import sys

SCOPES = ["us-gov", "us", "eu", "apac", "jp", "au", "ca", "global"]
PREFERRED = ["", "global.", "us."]


def entry_for(table, mid):
    for prefix in PREFERRED:
        e = table.get(prefix + mid)
        if e and e.get("litellm_provider") == "bedrock_converse":
            return prefix + mid, e
    raise SystemExit("no bedrock_converse entry for %s" % mid)


def draft(table, version, mid, name, provider):
    citation = "LiteLLM %s model_prices_and_context_window_backup.json" % version
    key, e = entry_for(table, mid)
    notes = [
        "added from LiteLLM only (entry `%s`); flags and limits are LiteLLM's, low confidence" % key,
    ]
    vision = e.get("supports_vision")
    inputs = ["text"] + (["image"] if vision else [])
    profiles, other_prefixes, regions = [], [], []
    for k, v in table.items():
        if k.startswith("bedrock/") and k.endswith("/" + mid) and k.count("/") == 2:
            regions.append(k.split("/")[1])
            continue
        if not k.endswith("." + mid) or v.get("litellm_provider") != "bedrock_converse":
            continue
        prefix = k[: -len(mid) - 1]
        if prefix in SCOPES:
            profiles.append(k)
        elif "/" not in prefix:
            other_prefixes.append(prefix)
    bare = table.get(mid)
    if bare and bare.get("litellm_provider") == "bedrock_converse" and "/current/us-east-1/" in (bare.get("source") or ""):
        regions.append("us-east-1")
    if other_prefixes:
        notes.append(
            "LiteLLM also lists %s profiles; the catalog has no such scope yet"
            % ", ".join(sorted(p + "." for p in other_prefixes))
        )
    if e.get("supports_tool_choice"):
        notes.append("LiteLLM supports_tool_choice=true without saying which toolChoice variants; tool_choice unknown")
    if e.get("source"):
        notes.append("LiteLLM cites %s" % e["source"])
    model = {
        "id": mid,
        "provider": provider,
        "name": name,
        "input_modalities": inputs,
        "output_modalities": ["text"],
        "converse": True,
        "converse_stream": None,
        "system_prompt": e.get("supports_system_messages"),
        "tool_use": e.get("supports_function_calling"),
        "vision": bool(vision) if vision is not None else None,
        "document_chat": e.get("supports_pdf_input"),
        "converse_features_confidence": "low",
        "context_window_tokens": e["max_input_tokens"],
        "max_output_tokens": e["max_output_tokens"],
        "price_input_per_1k_usd": round(e["input_cost_per_token"] * 1000, 9),
        "price_output_per_1k_usd": round(e["output_cost_per_token"] * 1000, 9),
        "price_source": "%s, entry `%s`" % (citation, key),
        "regions": sorted(set(regions)) or None,
        "on_demand": True if regions else None,
        "regions_source": ("%s, bedrock/REGION/%s entries (AWS price list)" % (citation, mid)) if regions else None,
        "inference_profiles": sorted(profiles),
        "sources": [citation] + ([e["source"]] if e.get("source") else []),
        "confidence_notes": notes,
    }
    if e.get("deprecation_date"):
        model["lifecycle"] = {
            "status_as_of_2026_11_24": "active",
            "legacy_date": None,
            "eol_date": None,
            "litellm_deprecation_date": e["deprecation_date"],
            "note": "LiteLLM deprecation_date %s (one secondary source)" % e["deprecation_date"],
            "source": citation,
        }
    return {"model": model, "source": citation, "note": "missing Converse model (audit 2026-11-30 section 2)"}


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as fh:
        table = json.load(fh)
    version = sys.argv[2]
    out = []
    for spec in sys.argv[3:]:
        mid, name, provider = spec.split("=")
        out.append(draft(table, version, mid, name, provider))
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
