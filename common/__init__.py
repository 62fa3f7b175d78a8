"""Habits every part of the project shares: how a command ends (cli.py) and how a file is written (files.py).

Standard library only, and nothing imported here: a command can take charge of Ctrl-C before NumPy loads.
"""
