{#- Configuration of a Digium D-series phone. provd renders templates without
    autoescaping: every value goes through |e (escapes & < > " '). -#}
<?xml version="1.0" encoding="UTF-8"?>
<config>
  <settings>
{%- if admin_password %}
    <setting id="login_password" value="{{ admin_password|e }}"/>
{%- endif %}
{%- if locale %}
    <setting id="locale" value="{{ locale|e }}"/>
{%- endif %}
{%- if timezone %}
    <setting id="time_zone" value="{{ timezone|e }}"/>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <setting id="time_source" value="ntp"/>
    <setting id="ntp_server" value="{{ ntp_ip|e }}"/>
    <setting id="ntp_resync" value="86400"/>
{%- endif %}
{%- if vlan_enabled and vlan_id is defined and vlan_id is not none %}
    <setting id="network_vlan_id" value="{{ vlan_id|e }}"/>
{%- if vlan_priority is defined and vlan_priority is not none %}
    <setting id="network_vlan_qos" value="{{ vlan_priority|e }}"/>
{%- endif %}
{%- endif %}
    <setting id="accept_local_calls" value="host"/>
    <setting id="enable_blf_on_unused_line_keys" value="1"/>
    <setting id="blf_contact_group" value="Default"/>
{%- block settings %}{% endblock %}
  </settings>
{%- if XX_provd_url %}
  <contacts url="{{ XX_provd_url|e }}/Digium/{{ XX_mac|e }}-contacts.xml" id="internal"/>
  {% include 'firmware.tpl' %}
{%- endif %}
  <accounts>
{%- for account in XX_accounts %}
    <account index="{{ account.index|e }}" status="1" register="1" account_id="{{ account.username|e }}" username="{{ account.username|e }}" authname="{{ account.auth_username|e }}" password="{{ account.password|e }}" line_label="{{ account.label|e }}" dial_plan="[0-9*#+].T"
             {%- if account.voicemail %} voicemail="{{ account.voicemail|e }}"{% endif %}
             {%- if account.dtmf_mode %} dtmf_mode="{{ account.dtmf_mode|e }}"{% endif %} conflict="replace">
      <host_primary server="{{ account.server|e }}" port="{{ account.port|e }}" transport="{{ account.transport|e }}" reregister="300" retry="1" num_retries="5"/>
{%- if account.backup_server %}
      <host_alternate server="{{ account.backup_server|e }}" port="{{ account.backup_port|e }}" transport="{{ account.transport|e }}" reregister="300" retry="1" num_retries="5"/>
{%- endif %}
    </account>
{%- endfor %}
  </accounts>
</config>
