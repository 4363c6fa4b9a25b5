"""`hip-screen`: screen files and rosters, check and verify the rulebook."""
