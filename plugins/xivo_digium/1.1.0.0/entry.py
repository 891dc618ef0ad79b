# xivo-digium-1.1.0.0: Digium D40, D50 and D70 running firmware 1.1.0.0.

execfile_('common.py', globals())


class DigiumPlugin(BaseDigiumPlugin):
    IS_PLUGIN = True

    MODELS = ('D40', 'D50', 'D70')
    FIRMWARE_VERSION = '1.1.0.0'

    pg_associator = DigiumPgAssociator(FIRMWARE_VERSION, MODELS)
