package membership

// Actions returns the workflow actions the actor may take on the application
// now, in the order of the workflow: those of moves from its status by one
// of the actor's roles, less the applicant's withdrawal and the chairman's
// office's decisions on an application the actor reviewed (Apply refuses
// those). A supervisor gets none. The console shows exactly these.
func (a *Application) Actions(actor Actor) []Action {
	acts := []Action{}
	for _, m := range moves {
		if m.From != a.Status || m.Role == RoleApplicant || !actor.Has(m.Role) {
			continue
		}
		if m.Role == RoleChair {
			if rev := a.lastEvent(StatusReviewed); rev != nil && rev.Actor == actor.ID {
				continue
			}
		}
		acts = append(acts, m.Action)
	}
	return acts
}

// Tasks returns the tasks the actor may carry out on the member now, given
// the member's standing under the lapse rule today: exit and proposing an
// expulsion (secretariat, an active member, none pending), deciding a
// pending expulsion (chairman's office, not the proposer), recording a lapse
// (secretariat, when the rule says lapsed), and recording a change of the
// showcase consent (secretariat, see ChangeShowcaseConsent: giving it to an
// active organisation, withdrawing it whatever the status). The console
// shows exactly these.
func (m *Member) Tasks(actor Actor, st Standing) []Task {
	ts := []Task{}
	may := func(t Task) bool { return actor.May(t) == nil }
	if m.Status != MemberActive {
		if may(TaskShowcase) && m.ShowcaseConsent {
			ts = append(ts, TaskShowcase)
		}
		return ts
	}
	if may(TaskExit) {
		ts = append(ts, TaskExit)
	}
	if may(TaskProposeExpulsion) && m.PendingExpulsion == nil {
		ts = append(ts, TaskProposeExpulsion)
	}
	if may(TaskDecideExpulsion) && m.PendingExpulsion != nil && m.PendingExpulsion.ProposedBy != actor.ID {
		ts = append(ts, TaskDecideExpulsion)
	}
	if may(TaskMarkLapsed) && st.State == StandingLapsed {
		ts = append(ts, TaskMarkLapsed)
	}
	if may(TaskShowcase) && (m.Type != TypeIndividual || m.ShowcaseConsent) {
		ts = append(ts, TaskShowcase)
	}
	return ts
}

// taskOrder is the order Actor.Tasks lists tasks in.
var taskOrder = []Task{TaskRead, TaskExit, TaskProposeExpulsion, TaskDecideExpulsion, TaskMarkLapsed, TaskShowcase, TaskAttendance, TaskRegistrations, TaskFees, TaskPayment, TaskMail, TaskErase}

// Tasks returns every task of the back office the actor may do at all; the
// console shows the forms of these (the workflow's actions have their own
// rule, see Application.Actions).
func (a Actor) Tasks() []Task {
	ts := []Task{}
	for _, t := range taskOrder {
		if a.May(t) == nil {
			ts = append(ts, t)
		}
	}
	return ts
}
