"""Enver resolution: where each service answers and under which contract (explicit addresses, /odmd-share in SSM, versioned S3 artifacts)."""
