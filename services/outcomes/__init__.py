"""Outcomes (服务成效): what dispatches achieved and the organisations around them.

``records`` (service records and receipts), ``attachments`` (files kept in the data folder
with a checksum), ``agreements`` (受聘签约), ``publicity`` (宣传报道) and ``organisations``
(teams, bases, workstations, activities); ``progress`` moves a need to 已签约 / 已宣传 when
an agreement or a report is recorded for its dispatch; funds, the expert ledger and the talent cards sit
beside them.
"""
