fn main() {
    println!("blog");
}
