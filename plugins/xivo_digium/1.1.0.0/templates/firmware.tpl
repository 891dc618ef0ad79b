{#- Firmware 1.1.0.0 of every model this plugin supports; phones upgrade themselves from it. -#}
<firmwares>
    <firmware model="D40" version="1_1_0_0" url="{{ XX_provd_url|e }}/Digium/firmware/1_1_0_0_D40_firmware.eff"/>
    <firmware model="D50" version="1_1_0_0" url="{{ XX_provd_url|e }}/Digium/firmware/1_1_0_0_D50_firmware.eff"/>
    <firmware model="D70" version="1_1_0_0" url="{{ XX_provd_url|e }}/Digium/firmware/1_1_0_0_D70_firmware.eff"/>
  </firmwares>
