"""Where data rests and how it is protected and found: the platform's customer-managed KMS key,
the data lake (a `SecureBucket` per zone, the access-logs and artifacts buckets) and the Glue
Data Catalog databases for the zones with the security configuration Glue encrypts with.
"""
