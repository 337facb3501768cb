"""What tells people the platform is unwell: CloudWatch alarms on the pipelines' functions,
queues, state machines and jobs, the Glue job failure rule, and the operations dashboard. Alerts
go to the platform's `NotificationTopic` (a shared building block).
"""
