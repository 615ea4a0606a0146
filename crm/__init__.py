"""CRM and VIP prepaid card module (客户档案、贵宾消费卡、客户关系维护).

Its own package on the QA database (tables prefixed ``crm_``). The QA side links a call to a
customer by phone number only: :func:`crm.services.customer_panel`.
"""
