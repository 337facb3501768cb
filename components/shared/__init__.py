"""Building blocks and helpers that several concerns use, and that depend on no concern.

The AWS context of a stack (account, region, partition, ARNs), least-privilege IAM roles and
statements, the tags of every resource, protection of stateful resources, and the secure
resources more than one concern creates: the encrypted log group, the `SecureBucket` (lake zones,
pipeline artifacts) and the encrypted `NotificationTopic` (alerts, approvals).
"""
