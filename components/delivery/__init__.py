"""The CI/CD of a stack, declared by the program it ships: the source (CodeCommit or
CodeConnections), the CodeBuild projects with their scoped roles, the CodePipeline V2 pipeline
with approval and rollback, and the EventBridge wiring for pushes, previews, drift and failures.
"""
