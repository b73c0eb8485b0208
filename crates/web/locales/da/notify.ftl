notify-settings-title = Notifikationer
notify-settings-intro = Vælg for hver slags besked, om den kommer med det samme, samlet i én e-mail om dagen på det tidspunkt, du vælger, eller slet ikke. Nødbeskeder fra skolen kommer altid med det samme. Ansatte får kun notifikationer i kontakttiden.
notify-settings-delivery = Levering
notify-settings-hour = Tidspunkt for den daglige samling
notify-settings-link = Vælg hvilke notifikationer du får, og hvornår
notify-settings-save = Gem
notify-settings-saved = Dine valg er gemt.
notify-delivery-instant = Med det samme
notify-delivery-digest = Daglig samling
notify-delivery-off = Fra
notify-kind-message = Beskeder
notify-kind-post = Opslag
notify-kind-event = Begivenheder og påmindelser
notify-kind-absence = Fravær
notify-kind-conference = Skole-hjem-samtaler
notify-error-delivery = Vælg med det samme, daglig samling eller fra for hver slags.
notify-error-hour = Tidspunktet skal være en hel time fra 00 til 23.
notify-mail-sensitive = Du har en ny besked i skolebro
notify-mail-emergency = [Vigtigt]
notify-mail-open = Åbn den i skolebro: { $url }
notify-mail-footer = Du får denne e-mail fra skolebro. Vælg hvilke notifikationer du får: { $url }
notify-digest-subject = skolebro: { $count } nye siden sidst
notify-digest-intro = { $count ->
    [one] Der er én ny notifikation til dig:
   *[other] Der er { $count } nye notifikationer til dig:
}
