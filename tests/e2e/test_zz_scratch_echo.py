import re
from tests.e2e import harness

def test_channel_mention_thread_and_cards(page, playground):
    harness.open_team_channel(page, harness.OTHER_CHANNEL)
    harness.wait_for_card_text(page, "Hei, olen Foorumibotti (installationUpdate)")
    harness.send_message(page, "ei mainintaa")
    harness.send_message(page, "kanavalla", mention_bot=True)
    echo = harness.wait_for_card_text(page, "Sanoit: Foorumibotti kanavalla")
    harness.reply_in_thread(page, "Sanoit: Foorumibotti kanavalla", "ketjussa", mention_bot=True)
    harness.wait_for_card_text(page, "Sanoit: Foorumibotti ketjussa")
    harness.screenshot(page, "scratch-channel")
    texts = [a.get("text") for a in playground.activities_to_bot() if a.get("type") == "message"]
    assert "ei mainintaa" not in " ".join(t or "" for t in texts)
    # bot replies into thread: conversation id with ;messageid=
    sent = playground.wait_for_events(lambda e: e["direction"] == harness.FROM_BOT and "ketjussa" in str(e["request"]["body"]))
    print(sent[-1]["request"]["url"], sent[-1]["response"]["statusCode"])

def test_personal_submit_execute_update(page, playground):
    harness.send_message(page, "kortti")
    card = harness.wait_for_card_text(page, "Sanoit: kortti")
    harness.fill_card_input(page, "Kirjoita", "arvo 1", card="Sanoit: kortti")
    harness.click_card_button(page, "Lähetä", card="Sanoit: kortti")
    harness.wait_for_card_text(page, '"note": "arvo 1"')
    harness.click_card_button(page, "Päivitä", card="Sanoit: kortti")
    harness.wait_for_card_text(page, "Korvattu kortti (Execute)")
    assert harness.card_count(page, "Sanoit: kortti") == 0
    harness.click_card_button(page, "Päivitä viesti", card='"note": "arvo 1"')
    harness.wait_for_card_text(page, "Päivitetty viesti")
    harness.screenshot(page, "scratch-personal")
    ex = playground.wait_for_events(lambda e: e["activityName"] == "invoke")
    print([ (e["activityName"], e["response"]["statusCode"]) for e in ex])
    print(harness.log_panel_text(page)[-600:])
