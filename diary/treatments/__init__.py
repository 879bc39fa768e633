"""Treatments: toxin injections, medication with dose taking, and surgery, on one timeline."""
