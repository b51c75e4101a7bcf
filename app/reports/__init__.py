"""Reports: participant and completion exports for administrators."""
