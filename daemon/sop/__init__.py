"""The SOP: the engine, the step kinds, people and roles, team planning."""
