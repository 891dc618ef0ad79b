"""Validation: everything provd would choke on, found before a plugin is packaged or published.

Each module checks one kind of file and returns Findings; ``builtplugin`` runs them
all over a built plugin tree. This package file stays empty on purpose: the low
layers (``repo.package.plugininfo``, ``repo.package.archive``) import single modules from here.
"""
