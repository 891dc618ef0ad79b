# xivo-digium-2.8.1: Digium D40, D45, D50, D60, D62, D65 and D70 running firmware 2.8.1.

execfile_('common.py', globals())


class DigiumPlugin(BaseDigiumPlugin):
    IS_PLUGIN = True

    MODELS = ('D40', 'D45', 'D50', 'D60', 'D62', 'D65', 'D70')
    FIRMWARE_VERSION = '2.8.1'

    pg_associator = DigiumPgAssociator(FIRMWARE_VERSION, MODELS)
