"""A Pulumi CrossGuard policy pack for Kubernetes NetworkPolicies (`pulumi preview --policy-pack
policy`). The rules are in policy.rules; __main__.py only builds the pack from them."""
