"""Authoring tools: editing courses in the browser and importing questions."""
