//! `ticket-bot`: run the ticket system. (The full binary, with its configuration file and the offline demo,
//! arrives with the ticket-bot issue.)

fn main() {
    eprintln!("ticket-bot: the runnable binary and its offline demo are not there yet; see README.md.");
    std::process::exit(2);
}
