{#- Phonebook of a Digium phone: its function keys. A contact with subscribe_to is a
    BLF the phone places on an unused line key (see blf_contact_group in base.tpl). -#}
<?xml version="1.0" encoding="UTF-8"?>
<phonebooks>
  <contacts group_name="Default" editable="0">
{%- for contact in XX_contacts %}
    <contact id="{{ contact.position|e }}" first_name="{{ contact.name|e }}" last_name=""
             {%- if contact.subscribe_to %} subscribe_to="{{ contact.subscribe_to|e }}"{% endif %}>
      <numbers>
        <number dial="{{ contact.dial|e }}" label="{{ contact.name|e }}" primary="1"/>
      </numbers>
    </contact>
{%- endfor %}
  </contacts>
</phonebooks>
