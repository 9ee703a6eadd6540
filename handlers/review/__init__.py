"""The approval chain (审批): its steps, the reviewers' prompts and their decisions."""
