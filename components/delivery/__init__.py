"""How the platform ships itself: the release pipeline of the delivery stack (source, CodeBuild
projects with their roles, CodePipeline V2 promoting one commit through the stages, EventBridge
wiring), the roles its builds assume in each environment's account, and a stack's verify role.
"""
