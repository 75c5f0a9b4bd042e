"""The environments program: per-environment namespaces and their NetworkPolicy sets.

``settings``, ``policies`` and ``manifests`` are pure and import nothing from Pulumi; the
``environment`` and ``policy_set`` ComponentResources wrap them; ``python -m components render``
writes the manifests of a stack as YAML without the Pulumi CLI.
"""
