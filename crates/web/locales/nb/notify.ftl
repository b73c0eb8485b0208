notify-settings-title = Varsler
notify-settings-intro = Velg for hver type varsel om det kommer med en gang, samlet i én e-post om dagen på tidspunktet du velger, eller ikke i det hele tatt. Nødvarsler fra skolen kommer alltid med en gang. Ansatte får varsler bare i kontakttiden.
notify-settings-delivery = Levering
notify-settings-hour = Tidspunkt for den daglige samlingen
notify-settings-link = Velg hvilke varsler du får, og når
notify-settings-save = Lagre
notify-settings-saved = Valgene dine er lagret.
notify-delivery-instant = Med en gang
notify-delivery-digest = Daglig samling
notify-delivery-off = Av
notify-kind-message = Meldinger
notify-kind-post = Innlegg
notify-kind-event = Hendelser og påminnelser
notify-kind-absence = Fravær
notify-kind-conference = Utviklingssamtaler
notify-error-delivery = Velg med en gang, daglig samling eller av for hver type.
notify-error-hour = Tidspunktet må være en hel time fra 00 til 23.
notify-mail-sensitive = Du har en ny melding i skolebro
notify-mail-emergency = [Viktig]
notify-mail-open = Åpne den i skolebro: { $url }
notify-mail-footer = Du får denne e-posten fra skolebro. Velg hvilke varsler du får: { $url }
notify-digest-subject = skolebro: { $count } nye siden sist
notify-digest-intro = { $count ->
    [one] Det er ett nytt varsel til deg:
   *[other] Det er { $count } nye varsler til deg:
}
