"""What CodeBuild runs on a pull request: the preview and declared-state diff comments and their
posting to CodeCommit or GitHub. Nothing here declares infrastructure."""
