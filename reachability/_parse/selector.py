"""Label selectors (metav1.LabelSelector) as apimachinery validates them."""

from __future__ import annotations

from typing import Any

from kubefacts.validation import label_key_problem, label_value_problem, shown
from reachability._parse.metadata import labels
from reachability._parse.problems import Context, as_list, describe, known_fields, mapping, string
from reachability.selectors import OPERATORS, LabelSelector, Requirement


def selector(ctx: Context, value: Any, path: str) -> LabelSelector | None:
    found = mapping(ctx, value, path)
    if found is None:
        return None
    known_fields(ctx, found, ("matchLabels", "matchExpressions"), path)
    match_labels = labels(ctx, found.get("matchLabels"), f"{path}.matchLabels")
    requirements: list[Requirement] = []
    raw_expressions = as_list(ctx, found.get("matchExpressions"), f"{path}.matchExpressions")
    for i, raw in enumerate(raw_expressions):
        parsed = requirement(ctx, raw, f"{path}.matchExpressions[{i}]")
        if parsed is not None:
            requirements.append(parsed)
    return LabelSelector(tuple(sorted(match_labels.items())), tuple(requirements))


def requirement(ctx: Context, value: Any, path: str) -> Requirement | None:
    expression = mapping(ctx, value, path)
    if expression is None:
        return None
    known_fields(ctx, expression, ("key", "operator", "values"), path)
    key = string(ctx, expression.get("key"), f"{path}.key")
    if key is not None:
        ctx.check(f"{path}.key", key, label_key_problem)
    operator = expression.get("operator")
    if operator is None:
        ctx.add(f"{path}.operator", "is required: use In, NotIn, Exists or DoesNotExist")
    elif operator not in OPERATORS:
        written = shown(operator) if isinstance(operator, str) else describe(operator)
        ctx.add(
            f"{path}.operator", f"{written} is not supported: use In, NotIn, Exists or DoesNotExist"
        )
        operator = None
    values: list[str] = []
    for i, raw in enumerate(as_list(ctx, expression.get("values"), f"{path}.values")):
        text = string(ctx, raw, f"{path}.values[{i}]")
        if text is None:
            continue
        ctx.check(f"{path}.values[{i}]", text, label_value_problem)
        values.append(text)
    if operator in ("In", "NotIn") and not values:
        ctx.add(f"{path}.values", f"must be specified when `operator` is {operator}")
    if operator in ("Exists", "DoesNotExist") and values:
        ctx.add(f"{path}.values", f"may not be specified when `operator` is {operator}")
    if key is None or operator is None:
        return None
    return Requirement(key, operator, tuple(sorted(set(values))))
