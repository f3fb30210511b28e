"""The field site's models whose keys are more than one column: installed in the "full" scope."""
