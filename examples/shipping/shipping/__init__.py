"""The shipping step: schedule a parcel for a reserved order, within the carrier's daily
capacity; cancel it when the order is cancelled."""
