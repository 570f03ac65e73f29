"""The web node: citizens' ticket pages, the public hall page and the supervisors' dashboard."""
