{#- Firmware 2.8.1 of every model this plugin supports; phones upgrade themselves from it. -#}
<firmwares>
    <firmware model="D40" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D40_firmware.eff"/>
    <firmware model="D45" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D45_firmware.eff"/>
    <firmware model="D50" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D50_firmware.eff"/>
    <firmware model="D60" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D60_firmware.eff"/>
    <firmware model="D62" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D62_firmware.eff"/>
    <firmware model="D65" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D65_firmware.eff"/>
    <firmware model="D70" version="2_8_1" url="{{ XX_provd_url|e }}/Digium/firmware/2_8_1_D70_firmware.eff"/>
  </firmwares>
