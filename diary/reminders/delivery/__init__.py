"""Delivery: taking due rows off the plan and telling the patient, through each channel.

dispatch.py is the delivery state machine (claim, send, record) and sends by email;
notices.py says what a reminder says and renders its email; inbox.py is the in-app channel;
scheduler.py is the process that runs dispatch on a timer. A second channel (push) joins
here, beside the email and the inbox.
"""
