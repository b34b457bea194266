// Sentence banks for long-input training prompts (rule 2): made-up articles, email threads, reviews and reports, composed deterministically.

/** A topic: its kind (for the ask wording) and sentences in reading order. */
export interface Bank {
  kind: 'article' | 'email thread' | 'review' | 'report' | 'notes' | 'story';
  sentences: string[];
}

export const banks: Bank[] = [
  {
    kind: 'article',
    sentences: [
      'The city council of Marlow Bay voted on Tuesday to extend the tram line to the northern suburbs, ending a debate that has run for almost a decade.',
      'Supporters argued that the extension would cut commuting times by up to twenty minutes for about forty thousand residents.',
      'Opponents, led by a group of shop owners on Harbour Street, warned that two years of construction would drive customers away.',
      'The approved plan includes six new stops, a park-and-ride facility and a dedicated bicycle lane along most of the route.',
      'Funding will come from a regional infrastructure grant, a modest increase in parking fees and a loan from the national development bank.',
      'Councillor Priya Natarajan, who chairs the transport committee, called the vote "a turning point for how this city moves".',
      'Work is expected to begin next spring, starting with the relocation of water pipes under Kingsway Avenue.',
      'The council also promised a compensation fund for small businesses that can show a drop in revenue during the works.',
      'Critics noted that a similar fund in a neighbouring town paid out less than a third of the money it had promised.',
      'A public information centre will open in the old library building to answer questions about detours and timelines.',
      'Local schools have asked for safe crossing points near the three stops closest to their campuses.',
      'The first trams on the new section are scheduled to run in the autumn of the third year, if the works stay on schedule.',
      'Residents can comment on the detailed design of the stops online until the end of next month.',
    ],
  },
  {
    kind: 'email thread',
    sentences: [
      'From: Daniel Ortega\nTo: Project team\nSubject: Kickoff meeting\n\nHi all, I would like to hold the kickoff for the warehouse project on Monday the 14th at 10:00 in room B2.',
      "Please bring your team's staffing estimates and any known risks for the first quarter.",
      'From: Helen Park\nReply: Monday works for me, but the finance review runs until 11:00, so could we start at 11:30 instead?',
      'I also think we should invite someone from procurement, since the shelving order has a twelve-week lead time.',
      'From: Daniel Ortega\nReply: Fair point. Let us move it to Wednesday the 16th at 14:00 so that procurement can join. Room B2 is free then.',
      'From: Samir Haddad\nReply: Wednesday afternoon is fine. I will send the draft risk register the day before.',
      'One open question: are we still planning the pilot at the Leeds site, or has that moved to Bristol?',
      'From: Helen Park\nReply: The pilot moved to Bristol last week; the Leeds lease was not renewed.',
      'From: Daniel Ortega\nReply: Thanks. Agenda: goals, timeline, staffing, risks, procurement, next steps. Please confirm attendance by Friday.',
      'From: Grace Liu\nReply: I can attend but need to leave at 15:15 for a client call.',
      'From: Daniel Ortega\nReply: No problem, we will cover procurement first so you do not miss it.',
    ],
  },
  {
    kind: 'review',
    sentences: [
      'I bought the Kestrel 3 espresso machine six weeks ago after my old one finally gave up.',
      'Out of the box it looks solid: brushed steel, a heavy portafilter and a drip tray that actually holds a day of spills.',
      'Setup took about ten minutes, and the quick-start card was clearer than the full manual.',
      'The first few shots were sour, but after grinding finer and raising the dose to eighteen grams they improved a lot.',
      'The steam wand is powerful enough for a flat white, though it takes almost a minute to switch from brewing to steaming.',
      'My main complaint is the water tank, which sits at the back and is awkward to remove under kitchen cabinets.',
      'The machine is also louder than I expected; my partner jokes that it sounds like a small aircraft.',
      'Customer service answered my question about descaling within a day and sent a free sample of their cleaning tablets.',
      'After six weeks of daily use, nothing has broken and the temperature has stayed consistent.',
      'For the price it is a good machine for someone who is willing to learn, but beginners may find the first week frustrating.',
      'I would buy it again, but I hope the next model moves the tank to the side.',
    ],
  },
  {
    kind: 'report',
    sentences: [
      'Quarterly update for the customer support department, prepared for the operations board.',
      'Ticket volume rose to 18,400 this quarter, up from 15,900, mainly because of the billing system migration in the second month.',
      'Median first response time improved from 6.2 hours to 4.8 hours after we added an evening shift.',
      'Customer satisfaction held steady at 87 percent, although scores for billing questions fell to 71 percent.',
      'The chatbot now resolves about 22 percent of conversations without a human agent, compared with 15 percent last quarter.',
      'Staff turnover was high: five of the forty agents left, three of them citing workload during the migration.',
      'We trained twelve agents on the new refund workflow and plan to train the rest by the end of next quarter.',
      'The knowledge base gained 64 new articles, and searches that end without a click dropped by a tenth.',
      'Next quarter we plan to introduce callback scheduling and to review the escalation rules for enterprise customers.',
      'We request budget for two additional agents and for a quality assurance lead.',
      'Risks include the planned price change in the spring, which historically doubles billing questions for a month.',
    ],
  },
  {
    kind: 'notes',
    sentences: [
      'Notes from the neighbourhood association meeting held in the community hall.',
      'Attendance: 23 residents, two council representatives and the new park warden.',
      'Item one: the playground equipment inspection found two swings with worn chains; the council will replace them within a month.',
      'Item two: residents complained about speeding on Elm Road, especially near the bakery in the mornings.',
      'The council representatives said a traffic survey is planned, and speed bumps could follow if the data supports them.',
      'Item three: the summer fair will take place on the second Saturday of July, with a budget of 1,200 pounds.',
      'Volunteers are needed for the tombola, the cake stall and setting up the stage.',
      'Item four: several people asked for more bins along the canal path, where litter has become a problem.',
      'The park warden offered to organise a monthly clean-up morning starting in May.',
      'Any other business: the association will vote on a new logo at the next meeting.',
      'The meeting closed at 20:45; the next one is scheduled for the first Thursday of next month.',
    ],
  },
  {
    kind: 'story',
    sentences: [
      'Every morning, Ilse walked the same path from her cottage to the lighthouse at the edge of the cliffs.',
      'She had kept the light burning for thirty-one years, long after the ships had started using satellites instead of lamps.',
      'The village children said she talked to the gulls, and in truth she did, mostly about the weather and the price of bread.',
      'One November night a storm knocked out the power across the whole coast.',
      'From the lantern room Ilse saw a small fishing boat drifting towards the rocks, its engine silent.',
      'She wound the old clockwork mechanism by hand, the way her father had taught her, until the great lens began to turn.',
      "The beam swept across the water, and the boat's crew saw the cliffs just in time to drop anchor.",
      'In the morning the fishermen climbed the hill with a basket of fresh mackerel and a bottle of plum brandy.',
      'Ilse accepted the fish, refused the brandy, and told them to fix their engine before they went out again.',
      'The council had planned to close the lighthouse that winter, but after the storm the plan was quietly dropped.',
      'Ilse still walks the path every morning, and the gulls still listen.',
    ],
  },
];

/** A passage of at least `minChars` characters from bank `b`, starting at sentence `offset` (wrapping around). */
export function passage(b: Bank, minChars: number, offset: number): string {
  const out: string[] = [];
  let len = 0;
  for (let i = 0; len < minChars && i < b.sentences.length * 3; i++) {
    const s = b.sentences[(offset + i) % b.sentences.length]!;
    out.push(s);
    len += s.length + 1;
  }
  return b.kind === 'email thread' ? out.join('\n\n') : out.join(' ');
}
