"""The warehouse and the network it lives in: a private VPC (managed or existing) with its
endpoints and flow logs, Redshift Serverless or a provisioned cluster behind one `Warehouse`
component, its COPY role, and the SQL the platform sends to it.
"""
