"""The check-ins' cards: the prompt, the overview, the digest, critical friends, projects, history."""
