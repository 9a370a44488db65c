"""MS Project XML (MSPDI): reading a file into a plan with a fidelity report, and writing one."""
